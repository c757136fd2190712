package dev.veto.ledger;

import java.io.IOException;

/**
 * Follows entries in seq order, as recovery does, to describe the prefix read so far: the
 * snapshot writer feeds it the entries it replays and asks for the {@link LedgerPrefix}.
 */
public final class PrefixTracker {

  private final KeyChain keys = new KeyChain();
  private long seq;
  private long lastCheckpointSeq;

  /** Starts from a prefix already known (a previous snapshot), or from nothing when null. */
  public PrefixTracker(LedgerPrefix from) {
    if (from != null) {
      keys.adopt(from.keyPeriods());
      seq = from.seq();
      lastCheckpointSeq = from.lastCheckpointSeq();
    }
  }

  public void observe(LedgerEntry entry) {
    if (entry.seq() != seq + 1) {
      throw new IllegalArgumentException("expected seq " + (seq + 1) + ", got " + entry.seq());
    }
    keys.observe(entry);
    if (Checkpoints.KIND.equals(entry.kind())) {
      lastCheckpointSeq = entry.seq();
    }
    seq = entry.seq();
  }

  public long seq() {
    return seq;
  }

  /** The prefix of entries 1..seq(); they must be durable in ledger. */
  public LedgerPrefix prefix(Ledger ledger) throws IOException {
    return ledger.prefix(seq, lastCheckpointSeq, keys.periods());
  }
}
