package dev.veto.ledger.merkle;

import java.util.List;

/**
 * The proof recursions of RFC 6962 §2.1 (PATH and SUBPROOF), shared by the reference tree
 * and the ledger's incremental tree: they differ only in how they hash a range of leaves.
 */
final class Rfc6962 {

  /** MTH(D[lo:hi]) of the tree at hand. */
  interface RangeHash {
    byte[] of(long lo, long hi);
  }

  private Rfc6962() {}

  /** The largest power of two smaller than n (n >= 2), as RFC 6962 §2.1 splits trees. */
  static long split(long n) {
    return Long.highestOneBit(n - 1);
  }

  /** PATH(m, D[lo:hi]), appended to out from the leaf upwards. */
  static void path(long m, long lo, long hi, RangeHash mth, List<byte[]> out) {
    long n = hi - lo;
    if (n <= 1) {
      return;
    }
    long k = split(n);
    if (m < k) {
      path(m, lo, lo + k, mth, out);
      out.add(mth.of(lo + k, hi));
    } else {
      path(m - k, lo + k, hi, mth, out);
      out.add(mth.of(lo, lo + k));
    }
  }

  /** SUBPROOF(m, D[lo:hi], whole), appended to out. */
  static void subproof(long m, long lo, long hi, boolean whole, RangeHash mth,
      List<byte[]> out) {
    long n = hi - lo;
    if (m == n) {
      // The verifier already knows the old root when this subtree is the whole old tree.
      if (!whole) {
        out.add(mth.of(lo, hi));
      }
      return;
    }
    long k = split(n);
    if (m <= k) {
      subproof(m, lo, lo + k, whole, mth, out);
      out.add(mth.of(lo + k, hi));
    } else {
      subproof(m - k, lo + k, hi, false, mth, out);
      out.add(mth.of(lo, lo + k));
    }
  }

  static void checkRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "], got " + value);
    }
  }
}
