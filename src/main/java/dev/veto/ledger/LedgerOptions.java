package dev.veto.ledger;

/**
 * How the ledger writes.
 *
 * @param fsync force every batch to stable storage before its futures complete; turn off only
 *     for tests and benchmarks, never in production
 * @param maxBatch most entries written (and forced) together; bounds the latency one fsync adds
 */
public record LedgerOptions(boolean fsync, int maxBatch) {

  public static final int MAX_BATCH_LIMIT = 1 << 16;

  public LedgerOptions {
    if (maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
      throw new IllegalArgumentException(
          "maxBatch must be in 1.." + MAX_BATCH_LIMIT + ", got " + maxBatch);
    }
  }

  public static LedgerOptions defaults() {
    return new LedgerOptions(/* fsync= */ true, /* maxBatch= */ 512);
  }
}
