package dev.veto.decision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.veto.approval.ApprovalBook;
import dev.veto.incident.IncidentLog;
import dev.veto.mode.ModeBook;
import dev.veto.task.TaskRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
        .expireAfter(new ExpireFromStamp<String, Stamped>(options.duplicateWindow(),
            Stamped::atMillis))
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
}
