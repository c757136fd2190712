package dev.veto.server;

import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.ledger.LedgerObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The ledger's side of {@code /metrics}: entries appended, how many a group commit carries,
 * how long the write and the fsync take, and writes that failed (each one means refusals
 * until the storage heals).
 */
final class LedgerMetrics implements LedgerObserver {

  private final Counter appends;
  private final DistributionSummary batchEntries;
  private final Timer write;
  private final Timer fsync;
  private final Counter failures;

  LedgerMetrics(MeterRegistry registry, Ledger ledger) {
    appends = Counter.builder("veto.ledger.appends")
        .description("entries made durable in the ledger").register(registry);
    batchEntries = DistributionSummary.builder("veto.ledger.batch.entries")
        .description("entries per group commit (one write and one fsync)")
        // Powers of two up to the largest batch: 17 buckets, not Micrometer's 276 defaults.
        .serviceLevelObjectives(powersOfTwoTo(LedgerOptions.MAX_BATCH_LIMIT))
        .register(registry);
    write = Timer.builder("veto.ledger.write")
        .description("time to write one batch to the ledger file")
        .publishPercentileHistogram().register(registry);
    fsync = Timer.builder("veto.ledger.fsync")
        .description("time to fsync one batch; absent when fsync is off")
        .publishPercentileHistogram().register(registry);
    failures = Counter.builder("veto.ledger.write.failures")
        .description("batch writes or fsyncs that failed (appends refused until healed)")
        .register(registry);
    Gauge.builder("veto.ledger.entries", ledger, Ledger::lastSeq)
        .description("seq of the last durable ledger entry").register(registry);
  }

  private static double[] powersOfTwoTo(int limit) {
    int count = Integer.numberOfTrailingZeros(Integer.highestOneBit(limit)) + 1;
    double[] bounds = new double[count];
    for (int i = 0; i < count; i++) {
      bounds[i] = 1L << i;
    }
    return bounds;
  }

  @Override
  public void committed(int entries, long bytes, long writeNanos, long fsyncNanos) {
    appends.increment(entries);
    batchEntries.record(entries);
    write.record(writeNanos, TimeUnit.NANOSECONDS);
    if (fsyncNanos > 0) {
      fsync.record(fsyncNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void failed() {
    failures.increment();
  }
}
