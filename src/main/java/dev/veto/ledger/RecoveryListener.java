package dev.veto.ledger;

/**
 * Hears the entries recovery reads, as it checks them, so that a start rebuilds its state in
 * the same pass instead of reading and parsing the file twice. Called on the opening thread,
 * in seq order, before {@link Ledger#open} returns; an exception aborts the open.
 */
public interface RecoveryListener {

  RecoveryListener NONE = new RecoveryListener() {
    @Override
    public void readingAfter(long prefixSeq) {}

    @Override
    public void recovered(LedgerEntry entry) {}
  };

  /**
   * Called once, before any entry: entries 1..prefixSeq come from the snapshot's prefix (0:
   * none was adopted, every entry follows).
   */
  void readingAfter(long prefixSeq);

  /** A complete entry whose chain recovery has checked. */
  void recovered(LedgerEntry entry);
}
