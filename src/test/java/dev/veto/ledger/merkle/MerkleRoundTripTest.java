package dev.veto.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Every proof {@link MerkleTree} produces for every tree size 1..40 verifies, and one flipped
 * bit anywhere (proof element, leaf, either root) makes it fail.
 */
class MerkleRoundTripTest {

  private static final int MAX_SIZE = 40;
  // Fixed seed so that a failure reproduces; the leaves only need to be distinct.
  private final Random random = new Random(6962);
  private final List<byte[]> leaves = new ArrayList<>();

  @Test
  void inclusionProofs_verify_andAnyFlippedBitIsRejected() {
    MerkleTree tree = randomTree();
    for (long size = 1; size <= MAX_SIZE; size++) {
      byte[] root = tree.rootAt(size);
      for (long index = 0; index < size; index++) {
        checkInclusion(tree, index, size, root);
      }
    }
  }

  @Test
  void consistencyProofs_verify_andAnyFlippedBitIsRejected() {
    MerkleTree tree = randomTree();
    for (long size2 = 1; size2 <= MAX_SIZE; size2++) {
      for (long size1 = 1; size1 <= size2; size1++) {
        checkConsistency(tree, size1, size2);
      }
    }
  }

  private void checkInclusion(MerkleTree tree, long index, long size, byte[] root) {
    byte[] leaf = leaves.get((int) index);
    List<byte[]> proof = tree.inclusionProof(index, size);
    assertThatCode(() -> MerkleVerifier.verifyInclusion(index, size, leaf, proof, root))
        .as("index %d, size %d", index, size).doesNotThrowAnyException();

    for (int i = 0; i < proof.size(); i++) {
      List<byte[]> bad = flipElement(proof, i);
      assertRejected(() -> MerkleVerifier.verifyInclusion(index, size, leaf, bad, root));
    }
    byte[] badLeaf = flip(leaf);
    assertRejected(() -> MerkleVerifier.verifyInclusion(index, size, badLeaf, proof, root));
    byte[] badRoot = flip(root);
    assertRejected(() -> MerkleVerifier.verifyInclusion(index, size, leaf, proof, badRoot));
  }

  private void checkConsistency(MerkleTree tree, long size1, long size2) {
    byte[] root1 = tree.rootAt(size1);
    byte[] root2 = tree.rootAt(size2);
    List<byte[]> proof = tree.consistencyProof(size1, size2);
    assertThatCode(() -> MerkleVerifier.verifyConsistency(size1, size2, root1, root2, proof))
        .as("size1 %d, size2 %d", size1, size2).doesNotThrowAnyException();

    for (int i = 0; i < proof.size(); i++) {
      List<byte[]> bad = flipElement(proof, i);
      assertRejected(() -> MerkleVerifier.verifyConsistency(size1, size2, root1, root2, bad));
    }
    byte[] bad1 = flip(root1);
    assertRejected(() -> MerkleVerifier.verifyConsistency(size1, size2, bad1, root2, proof));
    byte[] bad2 = flip(root2);
    assertRejected(() -> MerkleVerifier.verifyConsistency(size1, size2, root1, bad2, proof));
  }

  private MerkleTree randomTree() {
    MerkleTree tree = new MerkleTree();
    for (int i = 0; i < MAX_SIZE; i++) {
      byte[] data = new byte[random.nextInt(64)];
      random.nextBytes(data);
      leaves.add(MerkleHash.leafHash(data));
      tree.add(leaves.get(i));
    }
    return tree;
  }

  private List<byte[]> flipElement(List<byte[]> proof, int i) {
    List<byte[]> copy = new ArrayList<>(proof);
    copy.set(i, flip(proof.get(i)));
    return copy;
  }

  // A copy of hash with one randomly chosen bit flipped.
  private byte[] flip(byte[] hash) {
    byte[] copy = hash.clone();
    int bit = random.nextInt(copy.length * 8);
    copy[bit / 8] ^= (byte) (1 << (bit % 8));
    return copy;
  }

  private static void assertRejected(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(MerkleProofException.class);
  }
}
