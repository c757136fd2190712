package dev.veto.ledger.merkle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An append-only, in-memory Merkle tree over leaf hashes, following RFC 6962 §2.1: MTH
 * (§2.1), PATH (§2.1.1) and PROOF/SUBPROOF (§2.1.2).
 *
 * <p>Every method recomputes from the stored leaf hashes; this favours an implementation that
 * reads like the RFC over speed. Not thread-safe.
 */
public final class MerkleTree {

  private final List<byte[]> leaves = new ArrayList<>();

  /** Appends a leaf hash (already {@link MerkleHash#leafHash}ed), 32 bytes. */
  public void add(byte[] leafHash) {
    if (leafHash.length != MerkleHash.HASH_LENGTH) {
      throw new IllegalArgumentException("leaf hash must be 32 bytes, got " + leafHash.length);
    }
    leaves.add(leafHash.clone());
  }

  public long size() {
    return leaves.size();
  }

  /** MTH of the whole tree. */
  public byte[] root() {
    return rootAt(size());
  }

  /** MTH of the first {@code size} leaves; requires 0 <= size <= size(). */
  public byte[] rootAt(long size) {
    checkRange("size", size, 0, size());
    return mth(0, (int) size);
  }

  /** PATH(index, D[size]); requires 0 <= index < size <= size(). */
  public List<byte[]> inclusionProof(long index, long size) {
    checkRange("size", size, 1, size());
    checkRange("index", index, 0, size - 1);
    List<byte[]> proof = new ArrayList<>();
    path((int) index, 0, (int) size, proof);
    return Collections.unmodifiableList(proof);
  }

  /**
   * PROOF(size1, D[size2]); requires 0 < size1 <= size2 <= size(). Empty when the sizes are
   * equal. Size 0 is refused because the empty tree is consistent with anything (RFC 9162
   * §2.1.4), so a proof from it would prove nothing.
   */
  public List<byte[]> consistencyProof(long size1, long size2) {
    checkRange("size2", size2, 1, size());
    checkRange("size1", size1, 1, size2);
    List<byte[]> proof = new ArrayList<>();
    subproof((int) size1, 0, (int) size2, true, proof);
    return Collections.unmodifiableList(proof);
  }

  // MTH(D[lo:hi]).
  private byte[] mth(int lo, int hi) {
    int n = hi - lo;
    if (n == 0) {
      return MerkleHash.emptyRoot();
    }
    if (n == 1) {
      return leaves.get(lo).clone();
    }
    int k = split(n);
    return MerkleHash.nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  }

  // PATH(m, D[lo:hi]), appended to out from the leaf upwards.
  private void path(int m, int lo, int hi, List<byte[]> out) {
    int n = hi - lo;
    if (n <= 1) {
      return;
    }
    int k = split(n);
    if (m < k) {
      path(m, lo, lo + k, out);
      out.add(mth(lo + k, hi));
    } else {
      path(m - k, lo + k, hi, out);
      out.add(mth(lo, lo + k));
    }
  }

  // SUBPROOF(m, D[lo:hi], b), appended to out.
  private void subproof(int m, int lo, int hi, boolean whole, List<byte[]> out) {
    int n = hi - lo;
    if (m == n) {
      // The verifier already knows the old root when this subtree is the whole old tree.
      if (!whole) {
        out.add(mth(lo, hi));
      }
      return;
    }
    int k = split(n);
    if (m <= k) {
      subproof(m, lo, lo + k, whole, out);
      out.add(mth(lo + k, hi));
    } else {
      subproof(m - k, lo + k, hi, false, out);
      out.add(mth(lo, lo + k));
    }
  }

  // The largest power of two smaller than n (n >= 2), as RFC 6962 §2.1 splits trees.
  private static int split(int n) {
    return Integer.highestOneBit(n - 1);
  }

  private static void checkRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "], got " + value);
    }
  }
}
