package dev.veto.ledger.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * The verifier's side of {@link HashTree#prefixRange}: starting from the complete-subtree
 * roots of the first n leaves, appends leaf hashes and gives the RFC 6962 root of everything
 * so far. This lets a bundle prove a run of entries A..B against a checkpoint with O(log n)
 * hashes: rebuild root(B) from the prefix range [0, A-1) and the entries, then check a
 * consistency proof from B to the checkpoint's size.
 *
 * <p>Soundness rests on the hash, not on trusting the prefix: any other prefix hashes give
 * another root(B), which the consistency proof then fails to tie to the signed root.
 */
public final class CompactRange {

  // Subtree roots, largest (leftmost) first; heights strictly decreasing.
  private final List<byte[]> hashes = new ArrayList<>();
  private final List<Integer> heights = new ArrayList<>();
  private long size;

  /** The range [0, size) from its subtree roots, largest first (as prefixRange gives). */
  public static CompactRange of(long size, List<byte[]> prefix) throws MerkleProofException {
    if (size < 0 || Long.bitCount(size) != prefix.size()) {
      throw new MerkleProofException("prefix range", Long.bitCount(Math.max(size, 0))
          + " hashes for size " + size, prefix.size() + " hashes");
    }
    CompactRange range = new CompactRange();
    int i = 0;
    for (int height = 63; height >= 0; height--) {
      if ((size >> height & 1) == 1) {
        byte[] hash = prefix.get(i++);
        if (hash.length != MerkleHash.HASH_LENGTH) {
          throw new MerkleProofException("prefix hash length", "32 bytes",
              hash.length + " bytes");
        }
        range.hashes.add(hash);
        range.heights.add(height);
      }
    }
    range.size = size;
    return range;
  }

  /** Appends one leaf hash. */
  public void append(byte[] leafHash) {
    byte[] node = leafHash;
    int height = 0;
    while (!heights.isEmpty() && heights.get(heights.size() - 1) == height) {
      node = MerkleHash.nodeHash(hashes.remove(hashes.size() - 1), node);
      heights.remove(heights.size() - 1);
      height++;
    }
    hashes.add(node);
    heights.add(height);
    size++;
  }

  public long size() {
    return size;
  }

  /** MTH of the leaves so far: fold the subtree roots from the right. */
  public byte[] root() {
    if (hashes.isEmpty()) {
      return MerkleHash.emptyRoot();
    }
    byte[] root = hashes.get(hashes.size() - 1);
    for (int i = hashes.size() - 2; i >= 0; i--) {
      root = MerkleHash.nodeHash(hashes.get(i), root);
    }
    return root;
  }
}
