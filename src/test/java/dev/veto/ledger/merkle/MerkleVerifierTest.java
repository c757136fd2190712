package dev.veto.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The preconditions of {@link MerkleVerifier}, each on an otherwise valid proof. */
class MerkleVerifierTest {

  private final MerkleTree tree = treeOf(5);

  @Test
  void inclusion_indexNotBelowSize_isRejected() {
    byte[] leaf = MerkleHash.leafHash(new byte[] {4});

    assertThatThrownBy(() -> MerkleVerifier.verifyInclusion(5, 5, leaf, List.of(), tree.root()))
        .isInstanceOf(MerkleProofException.class)
        .satisfies(e -> assertThat(((MerkleProofException) e).found()).isEqualTo("index 5"));
  }

  @Test
  void inclusion_leafHashNot32Bytes_isRejected() {
    List<byte[]> proof = tree.inclusionProof(0, 5);

    assertThatThrownBy(() -> MerkleVerifier.verifyInclusion(0, 5, new byte[31], proof,
        tree.root()))
        .isInstanceOf(MerkleProofException.class)
        .hasMessageContaining("leaf hash length");
  }

  @Test
  void inclusion_proofElementNot32Bytes_isRejected() {
    byte[] leaf = MerkleHash.leafHash(new byte[] {0});
    List<byte[]> proof = List.of(new byte[33], new byte[32], new byte[32]);

    assertThatThrownBy(() -> MerkleVerifier.verifyInclusion(0, 5, leaf, proof, tree.root()))
        .isInstanceOf(MerkleProofException.class)
        .hasMessageContaining("proof element 0 length");
  }

  @Test
  void consistency_fromSizeZero_isRejected_evenToSizeZero() {
    byte[] empty = MerkleHash.emptyRoot();

    assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(0, 0, empty, empty, List.of()))
        .isInstanceOf(MerkleProofException.class);
    assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(0, 5, empty, tree.root(),
        List.of()))
        .isInstanceOf(MerkleProofException.class);
  }

  @Test
  void consistency_equalSizes_needEmptyProofAndEqualRoots() throws MerkleProofException {
    byte[] root = tree.root();

    MerkleVerifier.verifyConsistency(5, 5, root, root, List.of());
    assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(5, 5, root, root,
        List.of(root)))
        .isInstanceOf(MerkleProofException.class);
    assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(5, 5, root, tree.rootAt(4),
        List.of()))
        .isInstanceOf(MerkleProofException.class);
  }

  @Test
  void consistency_proofElementNot32Bytes_isRejected() {
    List<byte[]> proof = List.of(new byte[32], new byte[31]);

    assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(3, 5, tree.rootAt(3),
        tree.root(), proof))
        .isInstanceOf(MerkleProofException.class)
        .hasMessageContaining("proof element 1 length");
  }

  @Test
  void consistency_shrinkingTree_isRejected() {
    assertThatThrownBy(() -> MerkleVerifier.verifyConsistency(5, 3, tree.root(),
        tree.rootAt(3), tree.consistencyProof(3, 5)))
        .isInstanceOf(MerkleProofException.class);
  }

  private static MerkleTree treeOf(int size) {
    MerkleTree tree = new MerkleTree();
    for (int i = 0; i < size; i++) {
      tree.add(MerkleHash.leafHash(new byte[] {(byte) i}));
    }
    return tree;
  }
}
