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
    Rfc6962.checkRange("size", size, 0, size());
    return mth(0, size);
  }

  /** PATH(index, D[size]); requires 0 <= index < size <= size(). */
  public List<byte[]> inclusionProof(long index, long size) {
    Rfc6962.checkRange("size", size, 1, size());
    Rfc6962.checkRange("index", index, 0, size - 1);
    List<byte[]> proof = new ArrayList<>();
    Rfc6962.path(index, 0, size, this::mth, proof);
    return Collections.unmodifiableList(proof);
  }

  /**
   * PROOF(size1, D[size2]); requires 0 < size1 <= size2 <= size(). Empty when the sizes are
   * equal. Size 0 is refused because the empty tree is consistent with anything (RFC 9162
   * §2.1.4), so a proof from it would prove nothing.
   */
  public List<byte[]> consistencyProof(long size1, long size2) {
    Rfc6962.checkRange("size2", size2, 1, size());
    Rfc6962.checkRange("size1", size1, 1, size2);
    List<byte[]> proof = new ArrayList<>();
    Rfc6962.subproof(size1, 0, size2, true, this::mth, proof);
    return Collections.unmodifiableList(proof);
  }

  // MTH(D[lo:hi]).
  private byte[] mth(long lo, long hi) {
    long n = hi - lo;
    if (n == 0) {
      return MerkleHash.emptyRoot();
    }
    if (n == 1) {
      return leaves.get((int) lo).clone();
    }
    long k = Rfc6962.split(n);
    return MerkleHash.nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  }
}
