package dev.veto.snapshot;

import dev.veto.decision.LifecycleOptions;
import dev.veto.decision.ProjectionSnapshot;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerPrefix;
import dev.veto.ledger.PrefixTracker;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a new snapshot when the ledger has grown by {@code every} entries since the last one,
 * on a thread of its own, so that a start after a crash replays at most about that many.
 *
 * <p>The live projections change under many threads and never stand still at one seq, so a
 * snapshot is not copied from them: it is rebuilt from the ledger, the previous snapshot plus
 * the entries since, through the same code a start uses. Its cost is reading and writing the
 * snapshot and replaying the new entries once more; it holds a second copy of the projections
 * while it runs.
 */
public final class Snapshotter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

  private final Ledger ledger;
  private final Snapshots snapshots;
  private final long every;
  private final Clock clock;
  private final LifecycleOptions lifecycle;
  private final ScheduledExecutorService thread;
  private final Duration interval;
  private volatile long lastSeq;
  private volatile Duration backoff = Duration.ZERO;
  private volatile long retryAt = System.nanoTime();

  private Snapshotter(Ledger ledger, Snapshots snapshots, long every, long lastSeq,
      Duration interval, Clock clock, LifecycleOptions lifecycle) {
    this.ledger = ledger;
    this.interval = interval;
    this.snapshots = snapshots;
    this.every = every;
    this.lastSeq = lastSeq;
    this.clock = clock;
    this.lifecycle = lifecycle;
    this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread t = new Thread(runnable, "veto-snapshotter");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Checks every interval whether a snapshot is due; every 0 turns snapshots off. lastSeq is
   * the seq of the newest snapshot that fits the ledger, 0 if none.
   */
  public static Snapshotter start(Ledger ledger, Snapshots snapshots, long every,
      long lastSeq, Duration interval, Clock clock, LifecycleOptions lifecycle) {
    Snapshotter snapshotter =
        new Snapshotter(ledger, snapshots, every, lastSeq, interval, clock, lifecycle);
    if (every > 0) {
      long millis = interval.toMillis();
      snapshotter.thread.scheduleWithFixedDelay(snapshotter::check, millis, millis,
          TimeUnit.MILLISECONDS);
    }
    return snapshotter;
  }

  /** Writes a snapshot if one is due, unless a failed one waits out its backoff. */
  void check() {
    if (System.nanoTime() - retryAt < 0) {
      return;
    }
    snapshotIfDue();
  }

  private void snapshotIfDue() {
    if (every <= 0 || ledger.lastSeq() - lastSeq < every || !ledger.writable()) {
      return;
    }
    try {
      snapshots.checkWritable();
      rebuild();
      backoff = Duration.ZERO;
    } catch (ClosedByInterruptException e) {
      log.atInfo().setMessage("snapshot interrupted by stop").log();
    } catch (IOException | RuntimeException e) {
      // Each try rebuilds the whole state: a folder that stays unwritable must not cost that
      // every few seconds.
      backoff = backoff.isZero() ? interval : min(backoff.multipliedBy(2), MAX_BACKOFF);
      retryAt = System.nanoTime() + backoff.toNanos();
      log.atWarn().setMessage("snapshot not written").addKeyValue("error", String.valueOf(e))
          .addKeyValue("retry_in_s", backoff.toSeconds()).log();
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /**
   * Stops the timer and, if a snapshot is due, writes it before the ledger closes, so that a
   * planned restart need not replay what has grown since the last one. Call after the last
   * append, before closing the ledger.
   */
  public void closeWithSnapshot() {
    thread.shutdownNow();
    awaitStop();
    snapshotIfDue();
  }

  /** Rebuilds the newest snapshot forward to the end of the ledger, and writes it. */
  void rebuild() throws IOException {
    long started = System.nanoTime();
    ProjectionSnapshot projections = ProjectionSnapshot.fresh(clock, lifecycle);
    LedgerPrefix base = null;
    try (Snapshot newest = snapshots.openNewest()) {
      if (newest != null && ledger.holds(newest.prefix())) {
        projections = ProjectionSnapshot.sized(clock, lifecycle, newest.decisionCount());
        newest.readProjections(projections::read);
        base = newest.prefix();
      }
    }

    long read = System.nanoTime();
    PrefixTracker tracker = new PrefixTracker(base);
    ProjectionSnapshot forward = projections;
    ledger.replayAfter(tracker.seq(), entry -> {
      forward.apply(entry);
      tracker.observe(entry);
    });
    if (tracker.seq() == 0) {
      return;
    }

    long replayed = System.nanoTime();
    snapshots.write(tracker.prefix(ledger), forward);
    lastSeq = tracker.seq();
    log.atInfo().setMessage("snapshot written").addKeyValue("seq", tracker.seq())
        .addKeyValue("from_seq", base == null ? 0 : base.seq())
        .addKeyValue("read_ms", (read - started) / 1_000_000)
        .addKeyValue("replay_ms", (replayed - read) / 1_000_000)
        .addKeyValue("write_ms", (System.nanoTime() - replayed) / 1_000_000).log();
  }

  /** How long a failed snapshot waits before the next try; zero after a success. */
  Duration backoff() {
    return backoff;
  }

  /** The seq of the last snapshot this process wrote or started from. */
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  public void close() {
    thread.shutdownNow();
    awaitStop();
  }

  private void awaitStop() {
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
