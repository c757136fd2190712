package dev.veto.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import dev.veto.testing.SharedFiles;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MTH, PATH and PROOF of {@link MerkleTree} against transparency-dev known roots. */
class MerkleTreeTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void rootsJson_everyTreeSizeZeroToEight_reproducesKnownRoot() throws IOException {
    JsonNode vectors = Json.MAPPER.readTree(
        SharedFiles.vectors("merkle", "roots.json").toFile());
    JsonNode inputs = vectors.get("leaf_inputs_hex");
    JsonNode roots = vectors.get("root_by_tree_size_hex");
    assertThat(roots).hasSize(inputs.size() + 1);

    MerkleTree tree = new MerkleTree();
    assertThat(HEX.formatHex(tree.root())).isEqualTo(roots.get(0).asText());
    for (int i = 0; i < inputs.size(); i++) {
      tree.add(MerkleHash.leafHash(HEX.parseHex(inputs.get(i).asText())));
      assertThat(HEX.formatHex(tree.root())).as("size %d", i + 1)
          .isEqualTo(roots.get(i + 1).asText());
    }
    // rootAt must agree with the root the tree had when it was that size.
    for (int size = 0; size < roots.size(); size++) {
      assertThat(HEX.formatHex(tree.rootAt(size))).isEqualTo(roots.get(size).asText());
    }
  }

  @Test
  void hashes_matchRfc6962Definitions() {
    assertThat(HEX.formatHex(MerkleHash.emptyRoot()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(HEX.formatHex(MerkleHash.leafHash(new byte[0])))
        .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  }

  @Test
  void proofs_ofSingleLeafTree_areEmpty() {
    MerkleTree tree = new MerkleTree();
    tree.add(MerkleHash.leafHash(new byte[] {1}));

    assertThat(tree.inclusionProof(0, 1)).isEmpty();
    assertThat(tree.consistencyProof(1, 1)).isEmpty();
  }

  @Test
  void proofRequests_outsideTheTree_areRefused() {
    MerkleTree tree = new MerkleTree();
    tree.add(MerkleHash.leafHash(new byte[] {1}));
    tree.add(MerkleHash.leafHash(new byte[] {2}));

    assertThatThrownBy(() -> tree.inclusionProof(2, 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.inclusionProof(0, 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.consistencyProof(0, 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.consistencyProof(2, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.rootAt(3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.add(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void proofs_areCopies_soCallersCannotAlterTheTree() {
    MerkleTree tree = new MerkleTree();
    byte[] leaf = MerkleHash.leafHash(new byte[] {1});
    tree.add(leaf);
    tree.add(MerkleHash.leafHash(new byte[] {2}));
    byte[] root = tree.root();

    leaf[0] ^= 1;
    List<byte[]> proof = tree.inclusionProof(1, 2);
    proof.get(0)[0] ^= 1;

    assertThat(tree.root()).isEqualTo(root);
  }
}
