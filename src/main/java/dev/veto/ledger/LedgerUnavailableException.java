package dev.veto.ledger;

/**
 * The ledger cannot record this entry: it is closed, its queue is full, or an earlier write
 * or fsync failed. Callers on the decision path must answer refuse.
 */
public final class LedgerUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public LedgerUnavailableException(String message) {
    super(message);
  }

  public LedgerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
