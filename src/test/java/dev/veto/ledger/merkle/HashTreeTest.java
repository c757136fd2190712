package dev.veto.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import dev.veto.testing.SharedFiles;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link HashTree} (incremental, cached) gives exactly what {@link MerkleTree} (the RFC read
 * literally) gives, for every size, index and pair of sizes up to 70 leaves, and its proofs
 * verify with {@link MerkleVerifier}.
 */
class HashTreeTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final int MAX = 70;

  @Test
  void rootsJson_reproduced() throws IOException {
    JsonNode vectors = Json.MAPPER.readTree(
        SharedFiles.vectors("merkle", "roots.json").toFile());
    JsonNode inputs = vectors.get("leaf_inputs_hex");
    JsonNode roots = vectors.get("root_by_tree_size_hex");
    HashTree tree = new HashTree();
    for (int i = 0; i < inputs.size(); i++) {
      tree.add(MerkleHash.leafHash(HEX.parseHex(inputs.get(i).asText())));
    }
    for (int size = 0; size < roots.size(); size++) {
      assertThat(HEX.formatHex(tree.root(size))).isEqualTo(roots.get(size).asText());
    }
  }

  @Test
  void everyRootAndProof_matchesTheReferenceTree() {
    HashTree tree = new HashTree();
    MerkleTree reference = new MerkleTree();
    for (int i = 0; i < MAX; i++) {
      byte[] leaf = MerkleHash.leafHash(new byte[] {(byte) i, (byte) (i >> 8)});
      tree.add(leaf);
      reference.add(leaf);
    }
    for (int size = 0; size <= MAX; size++) {
      assertThat(tree.root(size)).isEqualTo(reference.rootAt(size));
      for (int index = 0; index < size; index++) {
        assertSame(tree.inclusionProof(index, size), reference.inclusionProof(index, size));
      }
      for (int older = 1; older <= size; older++) {
        assertSame(tree.consistencyProof(older, size), reference.consistencyProof(older, size));
      }
    }
  }

  @Test
  void compactRange_fromPrefix_plusLeaves_givesEveryLaterRoot() throws Exception {
    HashTree tree = new HashTree();
    for (int i = 0; i < MAX; i++) {
      tree.add(MerkleHash.leafHash(new byte[] {(byte) i}));
    }
    for (int start = 0; start < MAX; start += 7) {
      CompactRange range = CompactRange.of(start, tree.prefixRange(start));
      assertThat(range.root()).isEqualTo(tree.root(start));
      for (int next = start; next < MAX; next++) {
        range.append(tree.leaf(next));
        assertThat(range.root()).as("from %d to %d", start, next + 1)
            .isEqualTo(tree.root(next + 1));
      }
    }
  }

  @Test
  void proofs_verify() {
    HashTree tree = new HashTree();
    for (int i = 0; i < 1000; i++) {
      tree.add(MerkleHash.leafHash(new byte[] {(byte) i, (byte) (i >> 8)}));
    }
    assertThatCode(() -> {
      MerkleVerifier.verifyInclusion(517, 999, tree.leaf(517), tree.inclusionProof(517, 999),
          tree.root(999));
      MerkleVerifier.verifyConsistency(33, 1000, tree.root(33), tree.root(1000),
          tree.consistencyProof(33, 1000));
    }).doesNotThrowAnyException();
  }

  private static void assertSame(List<byte[]> actual, List<byte[]> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i)).isEqualTo(expected.get(i));
    }
  }
}
