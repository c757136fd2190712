package dev.veto.decision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.DecisionException.Kind;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerUnavailableException;
import dev.veto.policy.Verdict;
import dev.veto.task.TaskState;
import dev.veto.task.TaskState.Remaining;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * What happened to an allowed action: the outcome settles the call's reservation (its tokens
 * added, a failure counted), moves the task's breaker, and is a ledger entry. A repeat of the
 * same report answers as the first did and charges nothing; a different status or token count
 * for the same decision is a conflict. Runs on the evaluator, under the task's monitor, like
 * the decisions it must be ordered with.
 */
final class OutcomeRecorder {

  private final DecisionService service;
  private final Projections state;
  private final Controls controls;
  private final Clock clock;
  private final Executor evaluator;
  private final LifecycleOptions options;

  OutcomeRecorder(DecisionService service, Projections state, Controls controls, Clock clock,
      Executor evaluator, LifecycleOptions options) {
    this.service = service;
    this.state = state;
    this.controls = controls;
    this.clock = clock;
    this.evaluator = evaluator;
    this.options = options;
  }

  /** Records an outcome; agentId null lets any agent report (open mode). */
  CompletableFuture<OutcomeReceipt> record(Outcome outcome, String agentId) {
    try {
      // Off the event loop: a repeated report is answered from the ledger file.
      return CompletableFuture.supplyAsync(() -> recordOutcomeNow(outcome, agentId), evaluator)
          .thenCompose(recorded -> recorded);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new DecisionException(Kind.OVERLOADED, null, "too many requests in flight"));
    }
  }

  private CompletableFuture<OutcomeReceipt> recordOutcomeNow(Outcome outcome, String agentId) {
    DecisionRef ref = state.decisions.get(outcome.decisionId());
    if (ref == null || (agentId != null && !agentId.equals(ref.agentId))) {
      return CompletableFuture.failedFuture(new DecisionException(Kind.UNKNOWN_DECISION,
          "decision_id", "no decision with id '" + outcome.decisionId() + "'"));
    }
    if (ref.verdict != Verdict.ALLOW) {
      return CompletableFuture.failedFuture(new DecisionException(Kind.OUTCOME_NOT_ALLOWED,
          "decision_id", "decision '" + outcome.decisionId() + "' was " + ref.verdict.wire()
              + ", not allow: there is no outcome to report"));
    }

    TaskState task = state.tasks.state(ref.taskId);
    String responseSha256;
    try {
      responseSha256 = service.storePayload(outcome.response());
    } catch (LedgerUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    synchronized (task) {
      if (ref.outcomeStatus != null) {
        return repeatOutcome(ref, outcome);
      }
      return appendOutcome(ref, task, outcome, responseSha256);
    }
  }

  private CompletableFuture<OutcomeReceipt> repeatOutcome(DecisionRef ref, Outcome o) {
    if (ref.outcomeStatus != o.status() || ref.outcomeTokens != o.tokensUsed()) {
      String field = ref.outcomeStatus != o.status() ? "status" : "tokens_used";
      return CompletableFuture.failedFuture(new DecisionException(Kind.OUTCOME_CONFLICT,
          field, "decision '" + o.decisionId() + "' already has outcome "
              + ref.outcomeStatus.wire() + " with tokens_used " + ref.outcomeTokens));
    }
    CompletableFuture<OutcomeReceipt> pending = ref.pendingOutcome;
    if (pending != null) {
      return pending.copy();
    }
    return CompletableFuture.completedFuture(outcomeReceipt(service.readEntry(ref.outcomeSeq)));
  }

  private static OutcomeReceipt outcomeReceipt(LedgerEntry entry) {
    JsonNode data = entry.data();
    OutcomeStatus status = OutcomeStatus.fromWire(data.path("status").asText()).orElseThrow();
    return new OutcomeReceipt(data.path("decision_id").asText(), status,
        DecisionRecord.toRemaining(data.path("remaining")), DecisionService.receiptOf(entry));
  }

  /** Under the task monitor: settles the reservation and moves the breaker. */
  private CompletableFuture<OutcomeReceipt> appendOutcome(
      DecisionRef ref, TaskState task, Outcome outcome, String responseSha256) {
    int failuresBefore = task.breaker().consecutiveFailures();
    task.charge(0, outcome.tokensUsed());
    if (outcome.status() == OutcomeStatus.FAILED) {
      task.recordFailure(ref.step);
    }
    Remaining remaining = task.remaining(service.policy().limits(), ref.step, clock.millis());
    ObjectNode data = DecisionRecord.outcome(
        outcome.decisionId(), ref.taskId, ref.step, outcome, remaining);
    DecisionRecord.responseAsBlob(data, responseSha256);

    CompletableFuture<OutcomeReceipt> recorded = service.append(DecisionRecord.OUTCOME, data)
        .thenApply(receipt -> new OutcomeReceipt(
            outcome.decisionId(), outcome.status(), remaining, receipt));
    ref.outcomeStatus = outcome.status();
    ref.outcomeTokens = outcome.tokensUsed();
    ref.pendingOutcome = recorded;
    ObjectNode incident = controls.breakerAfterOutcome(task, outcome.status(), options);
    recorded.whenComplete((receipt, failure) -> {
      // On the appender thread: no task monitor here (see settle).
      if (failure != null) {
        service.onEvaluator(() -> undoOutcome(ref, task, outcome, failuresBefore));
      } else {
        ref.outcomeSeq = receipt.receipt().seq();
        ref.pendingOutcome = null;
        if (incident != null) {
          controls.recordIncident(incident, receipt.receipt().seq());
        }
      }
    });
    return recorded;
  }

  /**
   * Puts the counters back when the outcome entry was not written. A breaker transition the
   * outcome caused stays: the ledger refuses every write from then on, and a restart
   * rebuilds the breaker from the entries that did reach it.
   */
  private static void undoOutcome(DecisionRef ref, TaskState task, Outcome o,
      int failuresBefore) {
    synchronized (task) {
      task.refund(0, o.tokensUsed());
      if (o.status() == OutcomeStatus.FAILED) {
        task.forgetFailure(ref.step);
      }
      task.breaker().restoreFailures(failuresBefore);
      ref.pendingOutcome = null;
      ref.outcomeStatus = null;
    }
  }
}
