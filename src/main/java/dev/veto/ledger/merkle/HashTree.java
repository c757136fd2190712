package dev.veto.ledger.merkle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The ledger's RFC 6962 Merkle tree, kept incrementally: same answers as {@link MerkleTree}
 * (MerkleTreeTest and HashTreeTest compare them), but each append costs one leaf hash copy and
 * on average one node hash, and a root or proof costs O(log^2 n) cached lookups.
 *
 * <p>Memory: 32 bytes per leaf in 1 MiB pages, plus the perfect subtrees of height
 * {@link #CACHED_FROM} and up (one per 16 leaves, halving per level: about 4 bytes per leaf).
 * Lower subtrees are recomputed from at most 16 leaves when a proof needs them, so a proof
 * over a million entries takes some hundred node hashes.
 *
 * <p>Threading: one writer (the ledger's appender thread, or recovery before it starts) and
 * any number of readers (HTTP proof requests); a read-write lock, taken once per batch by the
 * writer, keeps a reader from seeing a half-added level.
 */
public final class HashTree {

  /** Height from which complete subtrees are kept (2^4 = 16 leaves each). */
  static final int CACHED_FROM = 4;
  private static final int PAGE_LEAVES = 1 << 15;
  private static final int HASH = MerkleHash.HASH_LENGTH;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final List<byte[]> pages = new ArrayList<>();
  // levels.get(h - CACHED_FROM) holds the complete subtrees of height h, left to right.
  private final List<HashList> levels = new ArrayList<>();
  // Right edge: roots of the complete subtrees the next leaf will merge with, lowest last.
  private final byte[][] frontier = new byte[64][];
  private long size;

  /** Appends leaf hashes (each already {@link MerkleHash#leafHash}ed, 32 bytes). */
  public void addAll(List<byte[]> leafHashes) {
    lock.writeLock().lock();
    try {
      for (byte[] leaf : leafHashes) {
        addLocked(leaf);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  public void add(byte[] leafHash) {
    addAll(List.of(leafHash));
  }

  /** Appends leaf hashes laid end to end, 32 bytes each (as {@link #leaves} gives them). */
  public void addPacked(byte[] packed) {
    if (packed.length % HASH != 0) {
      throw new IllegalArgumentException("packed leaves must be a multiple of 32 bytes");
    }
    lock.writeLock().lock();
    try {
      for (int at = 0; at < packed.length; at += HASH) {
        addLocked(Arrays.copyOfRange(packed, at, at + HASH));
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The first count leaf hashes laid end to end, 32 bytes each (for snapshots). */
  public byte[] leaves(long count) {
    lock.readLock().lock();
    try {
      Rfc6962.checkRange("count", count, 0, size);
      byte[] packed = new byte[Math.toIntExact(count * HASH)];
      for (int page = 0; (long) page * PAGE_LEAVES < count; page++) {
        long first = (long) page * PAGE_LEAVES;
        int leaves = (int) Math.min(PAGE_LEAVES, count - first);
        System.arraycopy(pages.get(page), 0, packed, (int) (first * HASH), leaves * HASH);
      }
      return packed;
    } finally {
      lock.readLock().unlock();
    }
  }

  private void addLocked(byte[] leaf) {
    if (leaf.length != HASH) {
      throw new IllegalArgumentException("leaf hash must be 32 bytes, got " + leaf.length);
    }
    int page = (int) (size / PAGE_LEAVES);
    if (page == pages.size()) {
      pages.add(new byte[PAGE_LEAVES * HASH]);
    }
    System.arraycopy(leaf, 0, pages.get(page), (int) (size % PAGE_LEAVES) * HASH, HASH);

    // Merge with the right edge as a binary counter carries: each carry closes a subtree.
    byte[] node = leaf;
    int height = 0;
    for (long n = size; (n & 1) == 1; n >>= 1) {
      node = MerkleHash.nodeHash(frontier[height], node);
      frontier[height] = null;
      height++;
      if (height >= CACHED_FROM) {
        level(height).add(node);
      }
    }
    frontier[height] = node;
    size++;
  }

  private HashList level(int height) {
    while (levels.size() <= height - CACHED_FROM) {
      levels.add(new HashList());
    }
    return levels.get(height - CACHED_FROM);
  }

  public long size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The leaf hash at index (0-based). */
  public byte[] leaf(long index) {
    lock.readLock().lock();
    try {
      Rfc6962.checkRange("index", index, 0, size - 1);
      return leafLocked(index);
    } finally {
      lock.readLock().unlock();
    }
  }

  private byte[] leafLocked(long index) {
    int offset = (int) (index % PAGE_LEAVES) * HASH;
    return Arrays.copyOfRange(pages.get((int) (index / PAGE_LEAVES)), offset, offset + HASH);
  }

  /** MTH of the first treeSize leaves; 0 <= treeSize <= size(). */
  public byte[] root(long treeSize) {
    lock.readLock().lock();
    try {
      Rfc6962.checkRange("size", treeSize, 0, size);
      return mth(0, treeSize);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** PATH(index, D[treeSize]); 0 <= index < treeSize <= size(). */
  public List<byte[]> inclusionProof(long index, long treeSize) {
    lock.readLock().lock();
    try {
      Rfc6962.checkRange("size", treeSize, 1, size);
      Rfc6962.checkRange("index", index, 0, treeSize - 1);
      List<byte[]> proof = new ArrayList<>();
      Rfc6962.path(index, 0, treeSize, this::mth, proof);
      return Collections.unmodifiableList(proof);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** PROOF(size1, D[size2]); 0 < size1 <= size2 <= size(). */
  public List<byte[]> consistencyProof(long size1, long size2) {
    lock.readLock().lock();
    try {
      Rfc6962.checkRange("size2", size2, 1, size);
      Rfc6962.checkRange("size1", size1, 1, size2);
      List<byte[]> proof = new ArrayList<>();
      Rfc6962.subproof(size1, 0, size2, true, this::mth, proof);
      return Collections.unmodifiableList(proof);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The roots of the complete subtrees that make up the first treeSize leaves, largest
   * first (the "compact range" [0, treeSize)): what a verifier needs to append leaves
   * treeSize, treeSize+1, ... and recompute later roots (see {@link CompactRange}).
   */
  public List<byte[]> prefixRange(long treeSize) {
    lock.readLock().lock();
    try {
      Rfc6962.checkRange("size", treeSize, 0, size);
      List<byte[]> hashes = new ArrayList<>();
      long start = 0;
      for (int height = 63; height >= 0; height--) {
        if ((treeSize >> height & 1) == 1) {
          hashes.add(perfect(height, start >> height));
          start += 1L << height;
        }
      }
      return Collections.unmodifiableList(hashes);
    } finally {
      lock.readLock().unlock();
    }
  }

  // MTH(D[lo:hi]); in RFC 6962 recursion lo is always a multiple of the left split.
  private byte[] mth(long lo, long hi) {
    long n = hi - lo;
    if (n == 0) {
      return MerkleHash.emptyRoot();
    }
    if (Long.bitCount(n) == 1 && lo % n == 0) {
      return perfect(Long.numberOfTrailingZeros(n), lo / n);
    }
    long k = Rfc6962.split(n);
    return MerkleHash.nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  }

  // The complete subtree of this height at this position among its level.
  private byte[] perfect(int height, long index) {
    if (height == 0) {
      return leafLocked(index);
    }
    if (height >= CACHED_FROM) {
      return levels.get(height - CACHED_FROM).get(index);
    }
    return MerkleHash.nodeHash(perfect(height - 1, 2 * index), perfect(height - 1, 2 * index + 1));
  }

  /** A growable list of 32-byte hashes in one array (no object per hash). */
  private static final class HashList {
    private byte[] bytes = new byte[64 * HASH];
    private int count;

    void add(byte[] hash) {
      if ((count + 1) * HASH > bytes.length) {
        bytes = Arrays.copyOf(bytes, bytes.length * 2);
      }
      System.arraycopy(hash, 0, bytes, count * HASH, HASH);
      count++;
    }

    byte[] get(long index) {
      int offset = (int) index * HASH;
      return Arrays.copyOfRange(bytes, offset, offset + HASH);
    }
  }
}
