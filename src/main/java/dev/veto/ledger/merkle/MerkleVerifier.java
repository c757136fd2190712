package dev.veto.ledger.merkle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Verifies RFC 6962 Merkle inclusion and consistency proofs.
 *
 * <p>Design note. Hashes are RFC 6962 §2.1 (SHA-256, 0x00 leaf and 0x01 node prefixes, see
 * {@link MerkleHash}). Both checks follow the RFC 9162 algorithms step by step, walking the
 * proof with two counters fn and sn (the node's index and the last index at its level):
 *
 * <ul>
 *   <li>Inclusion, RFC 9162 §2.1.3.2. Preconditions: 0 <= index < size; leafHash, root and
 *       every proof element are 32 bytes. A proof that is too short or too long is caught by
 *       the algorithm itself (sn != 0 at the end, or sn == 0 with elements left).
 *   <li>Consistency, RFC 9162 §2.1.4.2. Preconditions: 0 < size1 <= size2. If size1 == size2
 *       the proof must be empty and root1 == root2 (byte for byte, nothing else is checked:
 *       the RFC algorithm does not cover this case, and the transparency-dev vectors accept
 *       any equal roots). If size1 < size2 the proof must be non-empty and root1, root2 and
 *       every proof element 32 bytes. size1 == 0 is refused even when size2 == 0: the empty
 *       tree is a prefix of every tree, so such a "proof" proves nothing, and the vectors
 *       (consistency/additional) expect it rejected.
 * </ul>
 *
 * <p>Every failure is a {@link MerkleProofException}; nothing is returned on failure, so a
 * caller cannot ignore a false result.
 */
public final class MerkleVerifier {

  private static final HexFormat HEX = HexFormat.of();

  private MerkleVerifier() {}

  /** Checks that {@code leafHash} is leaf {@code index} of the tree of {@code size} leaves. */
  public static void verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof,
      byte[] root) throws MerkleProofException {
    if (index < 0 || index >= size) {
      throw new MerkleProofException("leaf index", "0 <= index < " + size, "index " + index);
    }
    requireHashLength("leaf hash", leafHash);
    requireHashLength("root", root);
    requireHashLengths(proof);
    byte[] computed = rootFromInclusionProof(index, size, leafHash, proof);
    requireEqual("root", root, computed);
  }

  /** Checks that the tree of {@code size2} leaves extends the tree of {@code size1}. */
  public static void verifyConsistency(long size1, long size2, byte[] root1, byte[] root2,
      List<byte[]> proof) throws MerkleProofException {
    if (size1 <= 0 || size1 > size2) {
      throw new MerkleProofException("tree sizes", "0 < size1 <= size2",
          "size1 " + size1 + ", size2 " + size2);
    }
    if (size1 == size2) {
      requireProofLength(proof, 0);
      requireEqual("root2 (same size as root1)", root1, root2);
      return;
    }
    if (proof.isEmpty()) {
      throw new MerkleProofException("consistency proof length", "at least 1 element", "0");
    }
    requireHashLength("root1", root1);
    requireHashLength("root2", root2);
    requireHashLengths(proof);
    walkConsistency(size1, size2, root1, root2, proof);
  }

  // RFC 9162 §2.1.3.2 steps 2-4; step 5 (compare with the root) is the caller's.
  private static byte[] rootFromInclusionProof(long index, long size, byte[] leafHash,
      List<byte[]> proof) throws MerkleProofException {
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      requireNotAtRoot(sn, proof.size());
      if ((fn & 1) == 1 || fn == sn) {
        r = MerkleHash.nodeHash(p, r);
        // Skip levels where this node has no right sibling (rightmost, unbalanced edge).
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = MerkleHash.nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    requireAtRoot(sn, proof.size());
    return r;
  }

  // RFC 9162 §2.1.4.2 steps 2-7; fr rebuilds root1 and sr rebuilds root2 from one path.
  private static void walkConsistency(long size1, long size2, byte[] root1, byte[] root2,
      List<byte[]> proof) throws MerkleProofException {
    List<byte[]> path = new ArrayList<>(proof.size() + 1);
    // A full old tree is itself a node of the new one, so the proof leaves it out.
    if (Long.bitCount(size1) == 1) {
      path.add(root1);
    }
    path.addAll(proof);
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (byte[] c : path.subList(1, path.size())) {
      requireNotAtRoot(sn, proof.size());
      if ((fn & 1) == 1 || fn == sn) {
        fr = MerkleHash.nodeHash(c, fr);
        sr = MerkleHash.nodeHash(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        sr = MerkleHash.nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    requireAtRoot(sn, proof.size());
    requireEqual("root1", root1, fr);
    requireEqual("root2", root2, sr);
  }

  private static void requireNotAtRoot(long sn, int proofSize) throws MerkleProofException {
    if (sn == 0) {
      throw new MerkleProofException("proof length", "fewer elements than " + proofSize,
          proofSize + " elements (reached the root with elements left)");
    }
  }

  private static void requireAtRoot(long sn, int proofSize) throws MerkleProofException {
    if (sn != 0) {
      throw new MerkleProofException("proof length", "more elements than " + proofSize,
          proofSize + " elements (ended below the root)");
    }
  }

  private static void requireProofLength(List<byte[]> proof, int expected)
      throws MerkleProofException {
    if (proof.size() != expected) {
      throw new MerkleProofException("proof length", expected + " elements",
          proof.size() + " elements");
    }
  }

  private static void requireHashLengths(List<byte[]> proof) throws MerkleProofException {
    for (int i = 0; i < proof.size(); i++) {
      requireHashLength("proof element " + i, proof.get(i));
    }
  }

  private static void requireHashLength(String what, byte[] hash) throws MerkleProofException {
    if (hash.length != MerkleHash.HASH_LENGTH) {
      throw new MerkleProofException(what + " length", MerkleHash.HASH_LENGTH + " bytes",
          hash.length + " bytes");
    }
  }

  private static void requireEqual(String what, byte[] expected, byte[] found)
      throws MerkleProofException {
    if (!Arrays.equals(expected, found)) {
      throw new MerkleProofException(what, HEX.formatHex(expected), HEX.formatHex(found));
    }
  }
}
