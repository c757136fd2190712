package dev.veto.ledger;

import java.util.List;

/**
 * What recovery learns from entries 1..seq, saved in a snapshot so that a start need not read
 * them again: where they end, the last hash, the last checkpoint, the key chain, each entry's
 * byte offset and Merkle leaf hash (32 bytes each, end to end).
 *
 * <p>Recovery adopts a prefix only if the file still holds, at the recorded offset, entry seq
 * with the recorded hash and leaf: a prefix of another ledger, or of a file cut shorter, is
 * ignored and the file read from the start. The prefix is not re-hashed, so damage inside it is
 * left to {@code veto verify}; a crash can only tear the tail, which is always read.
 */
public record LedgerPrefix(long seq, String hash, long endOffset, long lastCheckpointSeq,
    List<KeyChain.KeyPeriod> keyPeriods, long[] offsets, byte[] leaves) {

  public LedgerPrefix {
    keyPeriods = List.copyOf(keyPeriods);
  }
}
