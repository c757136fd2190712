package dev.veto.ledger;

/**
 * Told of every batch the appender makes durable and of every write that fails, for metrics.
 * Called on the appender thread between batches: it must be quick and must not throw.
 */
public interface LedgerObserver {

  LedgerObserver NONE = new LedgerObserver() {
    @Override
    public void committed(int entries, long bytes, long writeNanos, long fsyncNanos) {}

    @Override
    public void failed() {}
  };

  /** A batch is durable: its entries, its bytes, and how long the write and the fsync took. */
  void committed(int entries, long bytes, long writeNanos, long fsyncNanos);

  /** A write or fsync failed: appends are refused until the ledger heals. */
  void failed();
}
