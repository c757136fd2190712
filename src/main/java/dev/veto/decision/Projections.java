package dev.veto.decision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.veto.approval.ApprovalBook;
import dev.veto.incident.IncidentLog;
import dev.veto.mode.ModeBook;
import dev.veto.task.TaskRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Everything Veto knows in memory, all of it rebuilt from the ledger at start-up: tasks,
 * past decisions, idempotency keys, recent side effects (for probable duplicates), approvals
 * and queued actions, incidents and modes.
 */
final class Projections {

  final TaskRegistry tasks = new TaskRegistry();
  final Map<String, DecisionRef> decisions = new ConcurrentHashMap<>();
  final IdempotencyIndex idempotency;
  final ApprovalBook approvals = new ApprovalBook();
  final IncidentLog incidents = new IncidentLog();
  final ModeBook modes = new ModeBook();

  /** Request hash to the latest allowed side effect with that request, for a window. */
  private final Cache<String, Stamped> sideEffects;

  Projections(Clock clock, LifecycleOptions options) {
    this.idempotency = new IdempotencyIndex(clock, options.idempotencyWindow());
    this.sideEffects = Caffeine.newBuilder()
        .ticker(() -> clock.millis() * 1_000_000L)
        .expireAfter(new FromStamp(options.duplicateWindow()))
        .executor(Runnable::run)
        .build();
  }

  void sideEffect(String requestHash, DecisionRef ref, long atMillis) {
    sideEffects.put(requestHash, new Stamped(ref, atMillis));
  }

  /**
   * The allowed side effect this request may repeat: the same task, tool and arguments
   * allowed within the window under another key, and not known to have failed (a failed call
   * is safe to retry; a successful or unknown one may run twice).
   */
  DecisionRef probableDuplicateOf(String requestHash) {
    Stamped seen = sideEffects.getIfPresent(requestHash);
    if (seen == null || seen.ref.outcomeStatus == OutcomeStatus.FAILED) {
      return null;
    }
    return seen.ref;
  }

  private record Stamped(DecisionRef ref, long atMillis) {}

  /** A side effect is remembered for the window from when it was allowed, also on restore. */
  private static final class FromStamp implements Expiry<String, Stamped> {
    private final long windowMillis;

    FromStamp(Duration window) {
      this.windowMillis = window.toMillis();
    }

    @Override
    public long expireAfterCreate(String key, Stamped value, long nowNanos) {
      long left = value.atMillis + windowMillis - nowNanos / 1_000_000L;
      return TimeUnit.MILLISECONDS.toNanos(Math.max(0, left));
    }

    @Override
    public long expireAfterUpdate(String key, Stamped value, long nowNanos, long current) {
      return expireAfterCreate(key, value, nowNanos);
    }

    @Override
    public long expireAfterRead(String key, Stamped value, long nowNanos, long current) {
      return current;
    }
  }
}
