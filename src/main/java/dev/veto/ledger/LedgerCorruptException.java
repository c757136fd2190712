package dev.veto.ledger;

import java.io.IOException;

/**
 * The ledger file is damaged somewhere other than a torn tail, so it was not opened: a
 * complete entry would otherwise be lost or skipped. Needs an operator (see docs/LEDGER.md).
 */
public final class LedgerCorruptException extends IOException {

  private static final long serialVersionUID = 1L;

  private final long seq;
  private final String problem;

  public LedgerCorruptException(long seq, String problem, String where) {
    super("ledger corrupt at seq " + seq + " (" + where + "): " + problem
        + "; not opened, nothing was changed; run `veto verify` and restore from a copy");
    this.seq = seq;
    this.problem = problem;
  }

  /** The seq expected at the bad line. */
  public long seq() {
    return seq;
  }

  public String problem() {
    return problem;
  }
}
