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
  final Map<String, DecisionRef> decisions;
  final IdempotencyIndex idempotency;
  final ApprovalBook approvals = new ApprovalBook();
  final IncidentLog incidents = new IncidentLog();
  final ModeBook modes = new ModeBook();
  /** The version of the last policy_loaded entry, null if none. */
  volatile String policyLoaded;

  /** Request hash to the latest allowed side effect with that request, for a window. */
  private final Cache<String, Stamped> sideEffects;

  /** expectedDecisions: how many past decisions are about to be restored (sizes the maps). */
  Projections(Clock clock, LifecycleOptions options, int expectedDecisions) {
    this.decisions = new ConcurrentHashMap<>(expectedDecisions);
    this.idempotency =
        new IdempotencyIndex(clock, options.idempotencyWindow(), expectedDecisions);
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

  /** Request hash to the decision and time of each side effect in the window. */
  Map<String, Stamped> sideEffects() {
    return sideEffects.asMap();
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

  record Stamped(DecisionRef ref, long atMillis) {}
}
