package dev.veto.ledger;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends a signed checkpoint at a fixed interval, on a thread of its own (never the event
 * loop), when the ledger grew since the last checkpoint entry. A checkpoint entry alone does
 * not count as growth, so an idle ledger gets no more checkpoints.
 */
public final class Checkpointer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

  private final Ledger ledger;
  private final ScheduledExecutorService timer;

  private Checkpointer(Ledger ledger, ScheduledExecutorService timer) {
    this.ledger = ledger;
    this.timer = timer;
  }

  /** Starts the timer; an interval of zero starts nothing. */
  public static Checkpointer start(Ledger ledger, Duration interval) {
    if (interval.isZero() || interval.isNegative()) {
      return new Checkpointer(ledger, null);
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "veto-checkpointer");
      thread.setDaemon(true);
      return thread;
    });
    Checkpointer checkpointer = new Checkpointer(ledger, timer);
    long millis = interval.toMillis();
    timer.scheduleWithFixedDelay(checkpointer::tick, millis, millis, TimeUnit.MILLISECONDS);
    return checkpointer;
  }

  private void tick() {
    try {
      if (ledger.writable() && grew()) {
        Receipt receipt = ledger.checkpoint().join();
        log.atDebug().setMessage("checkpoint appended").addKeyValue("seq", receipt.seq())
            .addKeyValue("size", receipt.seq() - 1).log();
      }
    } catch (RuntimeException e) {
      // A failed ledger refuses everything anyway; the next tick tries again if it recovers.
      log.atWarn().setMessage("checkpoint not appended")
          .addKeyValue("error", String.valueOf(e)).log();
    }
  }

  private boolean grew() {
    return ledger.lastSeq() > ledger.lastCheckpointSeq();
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
