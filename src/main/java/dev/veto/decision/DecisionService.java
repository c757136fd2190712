package dev.veto.decision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.DecisionException.Kind;
import dev.veto.decision.DecisionRecord.Charge;
import dev.veto.decision.IdempotencyIndex.Claim;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerUnavailableException;
import dev.veto.ledger.Receipt;
import dev.veto.policy.Evaluation;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyEvaluationException;
import dev.veto.policy.PolicyTimeoutException;
import dev.veto.policy.Reason;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import dev.veto.policy.Verdict;
import dev.veto.task.TaskRegistry;
import dev.veto.task.TaskState;
import dev.veto.task.TaskState.Remaining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision pipeline: idempotency, task state, rule evaluation, charge, record.
 *
 * <p>Design note.
 * <ul>
 *   <li>Threading: {@link #decide} hops to the evaluator executor (never the HTTP event loop);
 *       the rules run there, under the task's monitor. The ledger append is enqueued while the
 *       monitor is held, so one task's entries are in the ledger in the order they were
 *       decided. The returned future completes on the ledger's appender thread, after fsync.
 *   <li>Budgets are charged when the decision is made (so a concurrent proposal of the same
 *       task sees the charge) and refunded if the entry never reaches the ledger. Only an
 *       {@code allow} charges a tool call; tokens reported by the agent are always charged,
 *       they were spent whatever the verdict.
 *   <li>Fail closed: an exception in the rules or an evaluation past its deadline becomes a
 *       recorded {@code refuse}; a ledger that cannot be written fails the future, and the
 *       caller answers refuse with 503. Nothing here can produce an unrecorded {@code allow}.
 *   <li>Task state, the decision index and the idempotency index are projections of the
 *       ledger: {@link #restore} rebuilds them from its entries at start-up.
 * </ul>
 */
public final class DecisionService {

  static final String POLICY_ERROR = "veto.policy_error";
  static final String DEADLINE_EXCEEDED = "veto.deadline_exceeded";
  private static final Set<String> FAIL_CLOSED_RULES = Set.of(POLICY_ERROR, DEADLINE_EXCEEDED);
  private static final int UNKNOWN_TIER = 3;
  private static final Logger log = LoggerFactory.getLogger(DecisionService.class);

  private final Policy policy;
  private final Ledger ledger;
  private final TaskRegistry tasks;
  private final Clock clock;
  private final Executor evaluator;
  private final Duration idempotencyWindow;
  private final IdempotencyIndex idempotency;
  private final DecisionMetrics metrics;
  private final ConcurrentMap<String, DecisionRef> decisions = new ConcurrentHashMap<>();

  public DecisionService(
      Policy policy,
      Ledger ledger,
      TaskRegistry tasks,
      Clock clock,
      Executor evaluator,
      Duration idempotencyWindow,
      DecisionMetrics metrics) {
    this.policy = policy;
    this.ledger = ledger;
    this.tasks = tasks;
    this.clock = clock;
    this.evaluator = evaluator;
    this.idempotencyWindow = idempotencyWindow;
    this.idempotency = new IdempotencyIndex(clock, idempotencyWindow);
    this.metrics = metrics;
  }

  public Policy policy() {
    return policy;
  }

  /**
   * Decides a proposal and records the decision. Completes with the recorded decision, or
   * exceptionally with {@link DecisionException} (the caller's mistake or overload) or
   * {@link dev.veto.ledger.LedgerUnavailableException} (nothing was recorded: refuse).
   */
  public CompletableFuture<Decision> decide(Proposal proposal) {
    try {
      return CompletableFuture.supplyAsync(() -> decideNow(proposal), evaluator)
          .thenCompose(decision -> decision);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new DecisionException(Kind.OVERLOADED, null, "too many decisions in flight"));
    }
  }

  private CompletableFuture<Decision> decideNow(Proposal proposal) {
    String requestHash = proposal.requestHash();
    String key = proposal.idempotencyKey();
    if (key == null) {
      return evaluateAndRecordSafely(proposal, requestHash);
    }

    Claim fresh = idempotency.newClaim(requestHash);
    Claim held = idempotency.claimOrGet(proposal.agentId(), key, fresh);
    if (held != null) {
      return replay(held, requestHash, key);
    }

    CompletableFuture<Decision> decided = evaluateAndRecordSafely(proposal, requestHash);
    decided.whenComplete((decision, failure) -> {
      if (failure != null || isFailClosed(decision)) {
        // Not a decision worth repeating: let the agent's retry be decided afresh.
        idempotency.release(proposal.agentId(), key, fresh);
      }
      if (failure != null) {
        fresh.fail(failure);
      } else {
        fresh.complete(decision);
      }
    });
    return decided;
  }

  private CompletableFuture<Decision> replay(Claim held, String requestHash, String key) {
    if (!held.requestHash.equals(requestHash)) {
      throw new DecisionException(Kind.IDEMPOTENCY_CONFLICT, "idempotency_key",
          "idempotency key '" + key + "' was already used for a different request");
    }
    metrics.replayed();
    CompletableFuture<Decision> pending = held.pending();
    if (pending != null) {
      return pending.thenApply(Decision::asReplay);
    }
    LedgerEntry entry = readEntry(held.seq());
    return CompletableFuture.completedFuture(
        DecisionRecord.toDecision(entry.data(), receiptOf(entry)).asReplay());
  }

  private LedgerEntry readEntry(long seq) {
    try {
      return ledger.read(seq);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ledger entry " + seq, e);
    }
  }

  /**
   * Whatever goes wrong, a future: a claimed idempotency key must always be completed or
   * released, never left pending for the whole window.
   */
  private CompletableFuture<Decision> evaluateAndRecordSafely(
      Proposal proposal, String requestHash) {
    try {
      return evaluateAndRecord(proposal, requestHash);
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }

  private CompletableFuture<Decision> evaluateAndRecord(Proposal proposal, String requestHash) {
    String decisionId = UUID.randomUUID().toString();
    long now = clock.millis();
    long step = proposal.stepOrZero();
    TaskState task = tasks.state(proposal.taskId());
    // Before the monitor: a payload write (and its fsync) must not hold up the task.
    String contextSha256 = storeContext(proposal);

    synchronized (task) {
      task.touch(now);
      TaskUsage before = task.usage(step, now);
      Evaluation evaluation = evaluate(proposal, before);
      Charge charge = chargeFor(evaluation, proposal);
      task.charge(charge.calls(), charge.tokens());
      try {
        Remaining remaining = task.remaining(policy.limits(), step, now);
        ObjectNode data = DecisionRecord.decision(decisionId, proposal, requestHash,
            evaluation, policy.version(), before, policy.limits(), charge, remaining);
        DecisionRecord.contextAsBlob(data, contextSha256);
        Decision decision = new Decision(decisionId, proposal.taskId(), evaluation.verdict(),
            evaluation.tier(), evaluation.reasons(), policy.version(), remaining, null, false);
        return append(DecisionRecord.DECISION, data)
            .handle((receipt, failure) -> settle(decision, task, step, charge, receipt, failure));
      } catch (RuntimeException | Error e) {
        task.refund(charge.calls(), charge.tokens());
        throw e;
      }
    }
  }

  /**
   * Stores the proposal's raw context as a content-addressed blob beside the ledger (the
   * entry keeps its SHA-256); null when there is none. A payload that cannot be stored fails
   * the decision closed: refused as if the ledger could not be written.
   */
  private String storeContext(Proposal proposal) {
    return storePayload(proposal.context());
  }

  private String storePayload(ObjectNode payload) {
    if (payload == null) {
      return null;
    }
    try {
      return ledger.blobs().put(Json.canonical(payload));
    } catch (IOException | RuntimeException e) {
      log.atError().setMessage("payload not stored; refusing")
          .addKeyValue("error", String.valueOf(e)).log();
      throw new LedgerUnavailableException("the payload store cannot be written", e);
    }
  }

  /**
   * Only an allow takes a tool call; the tokens the agent reports are charged whatever the
   * verdict, except on a fail-closed refusal: that one is not kept under its idempotency key,
   * so the agent's retry (with the same tokens) is the decision that charges them.
   */
  private static Charge chargeFor(Evaluation evaluation, Proposal proposal) {
    if (isFailClosed(evaluation.reasons())) {
      return new Charge(0, 0);
    }
    return new Charge(evaluation.verdict() == Verdict.ALLOW ? 1 : 0, proposal.tokensUsed());
  }

  /** The ledger's append, with a synchronous refusal turned into a failed future. */
  private CompletableFuture<Receipt> append(String kind, ObjectNode data) {
    try {
      return ledger.append(kind, data);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Decision settle(Decision decision, TaskState task, long step, Charge charge,
      Receipt receipt, Throwable failure) {
    if (failure != null) {
      // This runs on the ledger's appender thread, which must never wait for a task monitor
      // (an evaluation may hold it): the refund is done on the evaluator.
      onEvaluator(() -> {
        synchronized (task) {
          task.refund(charge.calls(), charge.tokens());
        }
      });
      throw failure instanceof RuntimeException runtime
          ? runtime : new IllegalStateException(failure);
    }

    decisions.put(decision.decisionId(),
        new DecisionRef(task.taskId(), step, decision.verdict()));
    metrics.decided(decision.verdict(), decision.tier());
    return decision.withReceipt(receipt);
  }

  private void onEvaluator(Runnable work) {
    try {
      evaluator.execute(work);
    } catch (RejectedExecutionException e) {
      // Overloaded: leaving the charge in place only makes the task's budget stricter.
      log.atWarn().setMessage("budget bookkeeping after a ledger failure was dropped")
          .addKeyValue("cause", "evaluator queue full").log();
    }
  }

  private Evaluation evaluate(Proposal proposal, TaskUsage before) {
    ToolCall call = ToolCall.of(proposal.taskId(), proposal.agentId(), proposal.tool(),
        proposal.args(), proposal.step(), proposal.idempotencyKey(), proposal.tokensUsed());
    try {
      Evaluation evaluation = policy.evaluate(call, before);
      if (evaluation == null) {
        throw new IllegalStateException("the policy returned no evaluation");
      }
      return evaluation;
    } catch (PolicyTimeoutException e) {
      log.atWarn().setMessage("policy evaluation overran its deadline; refusing")
          .addKeyValue("task_id", proposal.taskId()).addKeyValue("tool", proposal.tool())
          .addKeyValue("deadline_ms", policy.deadlineMillis()).log();
      return failClosed(DEADLINE_EXCEEDED, "the policy did not answer within "
          + policy.deadlineMillis() + " ms; Veto refuses rather than guess");
    } catch (PolicyEvaluationException | RuntimeException | StackOverflowError
        | LinkageError e) {
      log.atError().setMessage("policy evaluation failed; refusing")
          .addKeyValue("task_id", proposal.taskId()).addKeyValue("tool", proposal.tool())
          .addKeyValue("error", String.valueOf(e)).log();
      return failClosed(POLICY_ERROR,
          "the policy failed while evaluating this proposal; Veto refuses rather than guess");
    }
  }

  private Evaluation failClosed(String rule, String message) {
    metrics.failedClosed(rule);
    return new Evaluation(Verdict.REFUSE, UNKNOWN_TIER, List.of(new Reason(rule, message)));
  }

  private static boolean isFailClosed(Decision decision) {
    return isFailClosed(decision.reasons());
  }

  private static boolean isFailClosed(List<Reason> reasons) {
    return reasons.stream().anyMatch(r -> FAIL_CLOSED_RULES.contains(r.rule()));
  }

  /**
   * Records what happened to an allowed action. A repeat of the same report answers as the
   * first did and charges nothing; a different status for the same decision is a conflict.
   */
  public CompletableFuture<OutcomeReceipt> recordOutcome(Outcome outcome) {
    try {
      // Off the event loop: a repeated report is answered from the ledger file.
      return CompletableFuture.supplyAsync(() -> recordOutcomeNow(outcome), evaluator)
          .thenCompose(recorded -> recorded);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new DecisionException(Kind.OVERLOADED, null, "too many requests in flight"));
    }
  }

  private CompletableFuture<OutcomeReceipt> recordOutcomeNow(Outcome outcome) {
    DecisionRef ref = decisions.get(outcome.decisionId());
    if (ref == null) {
      return CompletableFuture.failedFuture(new DecisionException(Kind.UNKNOWN_DECISION,
          "decision_id", "no decision with id '" + outcome.decisionId() + "'"));
    }
    if (ref.verdict != Verdict.ALLOW) {
      return CompletableFuture.failedFuture(new DecisionException(Kind.OUTCOME_NOT_ALLOWED,
          "decision_id", "decision '" + outcome.decisionId() + "' was " + ref.verdict.wire()
              + ", not allow: there is no outcome to report"));
    }

    TaskState task = tasks.state(ref.taskId);
    String responseSha256;
    try {
      responseSha256 = storePayload(outcome.response());
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
    return CompletableFuture.completedFuture(outcomeReceipt(readEntry(ref.outcomeSeq)));
  }

  private static OutcomeReceipt outcomeReceipt(LedgerEntry entry) {
    JsonNode data = entry.data();
    OutcomeStatus status = OutcomeStatus.fromWire(data.path("status").asText()).orElseThrow();
    return new OutcomeReceipt(data.path("decision_id").asText(), status,
        DecisionRecord.toRemaining(data.path("remaining")), receiptOf(entry));
  }

  private CompletableFuture<OutcomeReceipt> appendOutcome(
      DecisionRef ref, TaskState task, Outcome outcome, String responseSha256) {
    boolean failed = outcome.status() == OutcomeStatus.FAILED;
    task.charge(0, outcome.tokensUsed());
    if (failed) {
      task.recordFailure(ref.step);
    }
    Remaining remaining = task.remaining(policy.limits(), ref.step, clock.millis());
    ObjectNode data = DecisionRecord.outcome(
        outcome.decisionId(), ref.taskId, ref.step, outcome, remaining);
    DecisionRecord.responseAsBlob(data, responseSha256);

    CompletableFuture<OutcomeReceipt> recorded = append(DecisionRecord.OUTCOME, data)
        .thenApply(receipt -> new OutcomeReceipt(
            outcome.decisionId(), outcome.status(), remaining, receipt));
    ref.outcomeStatus = outcome.status();
    ref.outcomeTokens = outcome.tokensUsed();
    ref.pendingOutcome = recorded;
    recorded.whenComplete((receipt, failure) -> {
      // On the appender thread: no task monitor here (see settle).
      if (failure != null) {
        onEvaluator(() -> undoOutcome(ref, task, outcome, failed));
      } else {
        ref.outcomeSeq = receipt.receipt().seq();
        ref.pendingOutcome = null;
      }
    });
    return recorded;
  }

  private static void undoOutcome(DecisionRef ref, TaskState task, Outcome o, boolean failed) {
    synchronized (task) {
      task.refund(0, o.tokensUsed());
      if (failed) {
        task.forgetFailure(ref.step);
      }
      ref.pendingOutcome = null;
      ref.outcomeStatus = null;
    }
  }

  /** Rebuilds the projections from one ledger entry; called in ledger order at start-up. */
  public void restore(LedgerEntry entry) {
    switch (entry.kind()) {
      case DecisionRecord.DECISION -> restoreDecision(entry);
      case DecisionRecord.OUTCOME -> restoreOutcome(entry);
      default -> log.atDebug().setMessage("ledger entry kind not projected")
          .addKeyValue("kind", entry.kind()).addKeyValue("seq", entry.seq()).log();
    }
  }

  private void restoreDecision(LedgerEntry entry) {
    JsonNode data = entry.data();
    JsonNode proposal = data.path("proposal");
    long at = Instant.parse(entry.time()).toEpochMilli();
    TaskState task = tasks.state(proposal.path("task_id").asText());
    Charge charge = Charge.of(data.path("charged"));
    synchronized (task) {
      task.touch(at);
      task.charge(charge.calls(), charge.tokens());
    }

    Decision decision = DecisionRecord.toDecision(data, receiptOf(entry));
    long step = proposal.path("step").asLong(0);
    decisions.put(decision.decisionId(),
        new DecisionRef(task.taskId(), step, decision.verdict()));

    JsonNode key = proposal.path("idempotency_key");
    boolean fresh = clock.millis() - at < idempotencyWindow.toMillis();
    if (key.isTextual() && fresh && !isFailClosed(decision)) {
      idempotency.restore(proposal.path("agent_id").asText(), key.asText(),
          data.path("request_hash").asText(), entry.seq(), at);
    }
  }

  private void restoreOutcome(LedgerEntry entry) {
    JsonNode data = entry.data();
    DecisionRef ref = decisions.get(data.path("decision_id").asText());
    if (ref == null) {
      log.atWarn().setMessage("outcome entry names an unknown decision")
          .addKeyValue("seq", entry.seq()).log();
      return;
    }

    OutcomeStatus status = OutcomeStatus.fromWire(data.path("status").asText()).orElseThrow();
    TaskState task = tasks.state(ref.taskId);
    synchronized (task) {
      task.charge(0, data.path("tokens_used").asLong());
      if (status == OutcomeStatus.FAILED) {
        task.recordFailure(ref.step);
      }
      ref.outcomeStatus = status;
      ref.outcomeTokens = data.path("tokens_used").asLong();
      ref.outcomeSeq = entry.seq();
    }
  }

  private static Receipt receiptOf(LedgerEntry entry) {
    return new Receipt(entry.seq(), entry.hash(), entry.signature(), entry.keyId());
  }

  /**
   * What the outcome endpoint needs to know of a past decision, kept small (it lives as long
   * as the process); changed under the task monitor, except that the appender thread
   * publishes a recorded outcome's seq (volatile, seq before clearing the pending future). An
   * outcome is pending until the ledger has it, then only its seq is kept and a repeated
   * report is answered from the ledger.
   */
  private static final class DecisionRef {
    final String taskId;
    final long step;
    final Verdict verdict;
    OutcomeStatus outcomeStatus;
    long outcomeTokens;
    volatile long outcomeSeq;
    volatile CompletableFuture<OutcomeReceipt> pendingOutcome;

    DecisionRef(String taskId, long step, Verdict verdict) {
      this.taskId = taskId;
      this.step = step;
      this.verdict = verdict;
    }
  }
}
