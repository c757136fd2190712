package dev.veto.decision;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.approval.Approval;
import dev.veto.decision.DecisionException.Kind;
import dev.veto.decision.DecisionRecord.Charge;
import dev.veto.decision.IdempotencyIndex.Claim;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerUnavailableException;
import dev.veto.ledger.Receipt;
import dev.veto.policy.ActivePolicy;
import dev.veto.policy.Evaluation;
import dev.veto.policy.Limits;
import dev.veto.policy.Mode;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyEvaluationException;
import dev.veto.policy.PolicyTimeoutException;
import dev.veto.policy.Reason;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import dev.veto.policy.Verdict;
import dev.veto.shadow.ShadowRunner;
import dev.veto.task.TaskState;
import dev.veto.task.TaskState.Remaining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision pipeline: idempotency, task gates (halt, breaker), rule evaluation in the mode
 * in force, approvals, charge, record.
 *
 * <p>Design note.
 * <ul>
 *   <li>Threading: {@link #decide} hops to the evaluator executor (never the HTTP event loop);
 *       the rules run there, under the task's monitor. The ledger append is enqueued while the
 *       monitor is held, so one task's entries are in the ledger in the order they were
 *       decided. The returned future completes on the ledger's appender thread, after fsync,
 *       which must never wait for a task monitor: work that needs one is sent back to the
 *       evaluator.
 *   <li>Budgets are reserved when the decision is made (so a concurrent proposal of the same
 *       task sees the charge), refunded if the entry never reaches the ledger, and settled
 *       when the outcome arrives (its tokens added, a failure counted).
 *   <li>An idempotency key answers with its first decision. The exception is a decision that
 *       waited for a person: once its approval (or queued action) is settled, the next
 *       proposal under the key is decided again, with the grant, and the key moves to that
 *       decision; so an approval is used at most once and only by the exact request.
 *   <li>Fail closed: an exception in the rules or an evaluation past its deadline becomes a
 *       recorded {@code refuse}; a ledger that cannot be written fails the future, and the
 *       caller answers refuse with 503. Nothing here can produce an unrecorded {@code allow}.
 * </ul>
 */
public final class DecisionService {

  static final String POLICY_ERROR = "veto.policy_error";
  static final String DEADLINE_EXCEEDED = "veto.deadline_exceeded";
  static final String APPROVED = "veto.approved";
  static final String IN_DOUBT = "veto.in_doubt";
  private static final Set<String> FAIL_CLOSED_RULES = Set.of(POLICY_ERROR, DEADLINE_EXCEEDED);
  private static final Set<String> TRIP_RULES = Set.of(
      "budget.tool_calls", "budget.tokens", "budget.wall_clock", "breaker.failures_in_step");
  private static final int UNKNOWN_TIER = 3;
  private static final Logger log = LoggerFactory.getLogger(DecisionService.class);

  private final ActivePolicy policies;
  private final Ledger ledger;
  private final Clock clock;
  private final Executor evaluator;
  private final LifecycleOptions options;
  private final DecisionMetrics metrics;
  private final Projections state;
  private final Controls controls;
  private final OutcomeRecorder outcomes;
  private volatile ShadowRunner shadow;

  public DecisionService(
      ActivePolicy policies,
      Ledger ledger,
      Clock clock,
      Executor evaluator,
      LifecycleOptions options,
      DecisionMetrics metrics) {
    this(policies, ledger, clock, evaluator, options, metrics,
        ProjectionSnapshot.fresh(clock, options));
  }

  /**
   * A service whose projections start from restored (a snapshot read back, then the
   * entries after it passed to {@link #restore}); restored is live from then on.
   */
  public DecisionService(
      ActivePolicy policies,
      Ledger ledger,
      Clock clock,
      Executor evaluator,
      LifecycleOptions options,
      DecisionMetrics metrics,
      ProjectionSnapshot restored) {
    this.policies = policies;
    this.ledger = ledger;
    this.clock = clock;
    this.evaluator = evaluator;
    this.options = options;
    this.metrics = metrics;
    this.state = restored.projections();
    this.controls = new Controls(state, policies, ledger, clock, evaluator, metrics);
    this.outcomes = new OutcomeRecorder(this, state, controls, clock, evaluator, options);
    metrics.gauge("veto.approvals.pending", "approvals and queued actions waiting for a person",
        () -> state.approvals.countPending());
  }

  public Policy policy() {
    return policies.current();
  }

  /** Approvals, modes, tasks, queue and incidents: the operators' and approvers' side. */
  public Controls controls() {
    return controls;
  }

  /** Evaluates every decision also with the shadow runner's candidate, if it has one. */
  public void shadow(ShadowRunner runner) {
    this.shadow = runner;
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
      return recordSafely(proposal, requestHash, null);
    }

    Claim fresh = state.idempotency.newClaim(requestHash);
    Claim held = state.idempotency.claimOrGet(proposal.agentId(), key, fresh);
    if (held == null) {
      return decideUnderClaim(proposal, requestHash, fresh, null, null);
    }
    if (!held.requestHash.equals(requestHash)) {
      throw new DecisionException(Kind.IDEMPOTENCY_CONFLICT, "idempotency_key",
          "idempotency key '" + key + "' was already used for a different request");
    }
    if (held.pending() != null) {
      metrics.replayed();
      return held.pending().thenApply(decision -> decision.asReplay(false));
    }

    Approval settled = settledApprovalOf(held);
    if (settled == null) {
      return replay(held);
    }
    // The person has answered: this proposal is decided again, with the answer, once.
    Claim next = state.idempotency.newClaim(requestHash);
    if (state.idempotency.replace(proposal.agentId(), key, held, next)) {
      return decideUnderClaim(proposal, requestHash, next, held, settled);
    }
    return decideNow(proposal);
  }

  /** The approval or queued action behind a key's decision, once somebody settled it. */
  private Approval settledApprovalOf(Claim held) {
    DecisionRef ref = state.decisions.get(held.decisionId());
    if (ref == null || ref.approvalId == null) {
      return null;
    }
    Approval approval = state.approvals.find(ref.approvalId).orElse(null);
    return approval == null || approval.status() == Approval.Status.PENDING ? null : approval;
  }

  private CompletableFuture<Decision> decideUnderClaim(Proposal proposal, String requestHash,
      Claim claim, Claim previous, Approval settled) {
    CompletableFuture<Decision> decided = recordSafely(proposal, requestHash, settled);
    decided.whenComplete((decision, failure) -> {
      if (failure != null || isFailClosed(decision)) {
        // Not a decision worth repeating: the agent's retry is decided afresh (and keeps
        // the approval it came for, if any).
        if (previous == null) {
          state.idempotency.release(proposal.agentId(), proposal.idempotencyKey(), claim);
        } else {
          state.idempotency.replace(proposal.agentId(), proposal.idempotencyKey(), claim,
              previous);
        }
      }
      if (failure != null) {
        claim.fail(failure);
      } else {
        claim.complete(decision);
      }
    });
    return decided;
  }

  private CompletableFuture<Decision> replay(Claim held) {
    metrics.replayed();
    DecisionRef ref = state.decisions.get(held.decisionId());
    boolean inDoubt = ref != null && ref.inDoubt();
    if (inDoubt) {
      metrics.inDoubt();
    }
    LedgerEntry entry = readEntry(held.seq());
    return CompletableFuture.completedFuture(
        DecisionRecord.toDecision(entry.data(), receiptOf(entry)).asReplay(inDoubt));
  }

  LedgerEntry readEntry(long seq) {
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
  private CompletableFuture<Decision> recordSafely(
      Proposal proposal, String requestHash, Approval settled) {
    try {
      return evaluateAndRecord(proposal, requestHash, settled);
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }

  private CompletableFuture<Decision> evaluateAndRecord(
      Proposal proposal, String requestHash, Approval settled) {
    String decisionId = UUID.randomUUID().toString();
    Policy policy = policies.current();
    long now = clock.millis();
    long step = proposal.stepOrZero();
    TaskState task = state.tasks.state(proposal.taskId());
    // Before the monitor: a payload write (and its fsync) must not hold up the task.
    String contextSha256 = storeContext(proposal);

    synchronized (task) {
      task.touch(now);
      TaskUsage before = task.usage(step, now);
      Situation situation = situationFor(proposal, requestHash, settled);
      Evaluation gate = gate(task, now, settled);
      Evaluation rules = gate == null ? evaluate(policy, proposal, before, situation) : null;
      if (rules != null) {
        observeShadow(policy, proposal, before, situation, rules);
      }
      Evaluation answer = gate != null ? gate : grant(rules, settled);
      Charge charge = chargeFor(answer, proposal);
      task.charge(charge.calls(), charge.tokens());
      try {
        return record(new Draft(decisionId, proposal, requestHash, policy, situation, before,
            rules, answer, charge, settled, task, step, now, contextSha256));
      } catch (RuntimeException | Error e) {
        task.refund(charge.calls(), charge.tokens());
        throw e;
      }
    }
  }

  /** Everything one decision needs between its evaluation and its ledger receipt. */
  private record Draft(String decisionId, Proposal proposal, String requestHash, Policy policy,
      Situation situation, TaskUsage before, Evaluation rules, Evaluation answer, Charge charge,
      Approval settled, TaskState task, long step, long now, String contextSha256) {}

  /** Under the task monitor: builds the entry and its in-memory effects, enqueues it. */
  private CompletableFuture<Decision> record(Draft d) {
    Limits limits = d.policy.limits();
    Remaining remaining = d.task.remaining(limits, d.step, d.now);
    Decision.Opened opened = opens(d);
    ObjectNode data = DecisionRecord.decision(d.decisionId, d.proposal, d.requestHash,
        d.answer, d.policy.version(), d.situation, d.before, limits, d.charge, remaining);
    DecisionRecord.contextAsBlob(data, d.contextSha256);
    Mode mode = d.answer.mode() == null ? d.situation.mode() : d.answer.mode();
    if (mode != d.situation.mode()) {
      // A rule tightened the mode: the answer names it, so the entry must too.
      data.put("mode", mode.wire());
    }
    if (d.rules == null) {
      data.putNull("rules");
    } else if (d.rules != d.answer) {
      data.set("rules", DecisionRecord.rulesAnswer(d.rules));
    }
    if (d.settled != null) {
      data.put("grant", d.settled.id());
    }
    if (opened != null) {
      data.set("approval", DecisionRecord.opened(opened));
    }

    boolean uses = d.answer.verdict() == Verdict.ALLOW && d.settled != null;
    if (uses) {
      d.settled.usedBy(d.decisionId);
    }
    if (d.answer.verdict() == Verdict.ALLOW) {
      d.task.breaker().callAllowed();
    }
    List<ObjectNode> incidents = trips(d, limits);
    Decision decision = new Decision(d.decisionId, d.proposal.taskId(), d.answer.verdict(),
        d.answer.tier(), d.answer.reasons(), d.policy.version(), mode, remaining,
        opened, null, false, false);
    // Joins the task's history now, under the monitor; should the entry not reach the
    // ledger, the ledger has failed for good and the history only shows the attempt.
    d.task.remember(new TaskState.RecentDecision(d.decisionId, d.proposal.tool(),
        decision.verdict().wire(), decision.tier(), d.now));
    return append(DecisionRecord.DECISION, data)
        .handle((receipt, failure) -> settle(d, decision, uses, incidents, receipt, failure));
  }

  /** An approval for a require_approval, a queue item for an action the queue mode held. */
  private Decision.Opened opens(Draft d) {
    if (isFailClosed(d.answer.reasons())) {
      return null;
    }
    if (d.answer.verdict() == Verdict.REQUIRE_APPROVAL) {
      String expires = Instant.ofEpochMilli(d.now + options.approvalTtl().toMillis()).toString();
      return new Decision.Opened(UUID.randomUUID().toString(), "approval", expires);
    }
    boolean queued = d.answer.reasons().stream().anyMatch(r -> r.rule().equals(
        Mode.QUEUE.rule()));
    if (d.answer.verdict() == Verdict.REFUSE && queued) {
      return new Decision.Opened(UUID.randomUUID().toString(), "queue", null);
    }
    return null;
  }

  /** The mode in force, and whether this may repeat a recent side effect under a new key. */
  private Situation situationFor(Proposal proposal, String requestHash, Approval settled) {
    Mode mode = state.modes.effective(proposal.agentId(), proposal.taskId());
    boolean released = settled != null && settled.kind() == Approval.Kind.QUEUE
        && settled.isUsable();
    if (released && mode == Mode.QUEUE) {
      // An operator released this very action from the queue.
      mode = Mode.NORMAL;
    }
    boolean duplicate = settled == null && proposal.idempotencyKey() != null
        && state.probableDuplicateOf(requestHash) != null;
    return new Situation(mode, duplicate);
  }

  /**
   * Veto's own refusals, before any rule: a denied or expired approval, a halted task, an
   * open breaker. Null when the rules decide.
   */
  private Evaluation gate(TaskState task, long now, Approval settled) {
    if (settled != null && settled.status() != Approval.Status.APPROVED) {
      return refusal("veto.approval_" + settled.statusWire(), settledMessage(settled));
    }
    TaskState.Halt halt = task.halt();
    if (halt != null) {
      return refusal("veto.task_halted", "task halted by " + halt.by() + ": " + halt.reason()
          + "; every proposal is refused until an operator resets it"
          + " (POST /v1/tasks/{id}/reset)");
    }
    return controls.breakerGate(task, now, options);
  }

  private static String settledMessage(Approval settled) {
    String by = settled.settledBy() == null ? "" : " by " + settled.settledBy();
    String note = settled.comment() == null ? "" : " (\"" + settled.comment() + "\")";
    return "the " + settled.kind().wire() + " for this request was " + settled.statusWire()
        + by + note + "; a new request (a new idempotency key) would be decided afresh";
  }

  static Evaluation refusal(String rule, String message) {
    return new Evaluation(Verdict.REFUSE, UNKNOWN_TIER, List.of(new Reason(rule, message)));
  }

  /** A granted approval turns the rules' require_approval into allow; refusals stand. */
  private static Evaluation grant(Evaluation rules, Approval settled) {
    if (settled == null || settled.kind() != Approval.Kind.APPROVAL || !settled.isUsable()
        || rules.verdict() != Verdict.REQUIRE_APPROVAL) {
      return rules;
    }
    List<Reason> reasons = new ArrayList<>();
    String note = settled.comment() == null ? "" : " (\"" + settled.comment() + "\")";
    reasons.add(new Reason(APPROVED, "approved by " + settled.settledBy() + note
        + " for this exact request; the approval is now used and cannot allow another call"));
    reasons.addAll(rules.reasons());
    return new Evaluation(Verdict.ALLOW, rules.tier(), reasons, rules.mode());
  }

  /**
   * Stores the proposal's raw context as a content-addressed blob beside the ledger (the
   * entry keeps its SHA-256); null when there is none. A payload that cannot be stored fails
   * the decision closed: refused as if the ledger could not be written.
   */
  private String storeContext(Proposal proposal) {
    return storePayload(proposal.context());
  }

  String storePayload(ObjectNode payload) {
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

  /** Incident entries for limits this decision found tripped, the first time in the task. */
  private List<ObjectNode> trips(Draft d, Limits limits) {
    List<ObjectNode> incidents = new ArrayList<>();
    for (Reason reason : d.answer.reasons()) {
      if (TRIP_RULES.contains(reason.rule()) && d.task.trip(reason.rule())) {
        incidents.add(Controls.incident(d.task, reason.rule(), reason.message(),
            limitOf(reason.rule(), limits), valueOf(reason.rule(), d.before, d.proposal),
            d.policy.version(), d.now));
      }
    }
    return incidents;
  }

  private static long limitOf(String rule, Limits limits) {
    return switch (rule) {
      case "budget.tool_calls" -> limits.maxCalls();
      case "budget.tokens" -> limits.maxTokens();
      case "budget.wall_clock" -> limits.maxWallClockMillis();
      default -> limits.maxFailuresPerStep();
    };
  }

  private static long valueOf(String rule, TaskUsage usage, Proposal proposal) {
    return switch (rule) {
      case "budget.tool_calls" -> usage.calls();
      case "budget.tokens" -> usage.tokens() + proposal.tokensUsed();
      case "budget.wall_clock" -> usage.elapsedMillis();
      default -> usage.failuresInStep();
    };
  }

  /** The ledger's append, with a synchronous refusal turned into a failed future. */
  CompletableFuture<Receipt> append(String kind, ObjectNode data) {
    try {
      return ledger.append(kind, data);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** On the appender thread, after fsync (or the failure): publish or undo. */
  private Decision settle(Draft d, Decision decision, boolean uses, List<ObjectNode> incidents,
      Receipt receipt, Throwable failure) {
    if (failure != null) {
      onEvaluator(() -> undo(d, uses));
      throw failure instanceof RuntimeException runtime
          ? runtime : new IllegalStateException(failure);
    }

    DecisionRef ref = new DecisionRef(d.decisionId, d.task.taskId(), d.proposal.agentId(),
        d.step, decision.verdict(), decision.tier(),
        decision.approval() == null ? null : decision.approval().id());
    ref.seq = receipt.seq();
    state.decisions.put(d.decisionId, ref);
    d.task.recorded(receipt.seq());
    if (decision.approval() != null) {
      state.approvals.add(Controls.approvalOf(decision, d.proposal, d.requestHash, d.now));
    }
    if (decision.verdict() == Verdict.ALLOW && decision.tier() >= 1) {
      state.sideEffect(d.requestHash, ref, d.now);
    }
    for (ObjectNode incident : incidents) {
      controls.recordIncident(incident, receipt.seq());
    }
    metrics.decided(decision.verdict(), decision.tier());
    metrics.reasons(decision.reasons());
    return decision.withReceipt(receipt);
  }

  private void undo(Draft d, boolean uses) {
    synchronized (d.task) {
      d.task.refund(d.charge.calls(), d.charge.tokens());
      if (uses) {
        d.settled.usedBy(null);
      }
    }
  }

  void onEvaluator(Runnable work) {
    try {
      evaluator.execute(work);
    } catch (RejectedExecutionException e) {
      // Overloaded: leaving the charge in place only makes the task's budget stricter.
      log.atWarn().setMessage("bookkeeping after a decision was dropped")
          .addKeyValue("cause", "evaluator queue full").log();
    }
  }

  /** The candidate policy sees what the rules saw; it never delays or changes the answer. */
  private void observeShadow(Policy policy, Proposal proposal, TaskUsage before,
      Situation situation, Evaluation evaluation) {
    ShadowRunner runner = shadow;
    if (runner != null) {
      runner.observe(policy.version(), () -> callOf(proposal), before, situation, evaluation);
    }
  }

  private static ToolCall callOf(Proposal proposal) {
    return ToolCall.of(proposal.taskId(), proposal.agentId(), proposal.tool(),
        proposal.args(), proposal.step(), proposal.idempotencyKey(), proposal.tokensUsed());
  }

  private Evaluation evaluate(Policy policy, Proposal proposal, TaskUsage before,
      Situation situation) {
    ToolCall call = callOf(proposal);
    try {
      Evaluation evaluation = policy.evaluate(call, before, situation);
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
    return refusal(rule, message);
  }

  private static boolean isFailClosed(Decision decision) {
    return isFailClosed(decision.reasons());
  }

  private static boolean isFailClosed(List<Reason> reasons) {
    return reasons.stream().anyMatch(r -> FAIL_CLOSED_RULES.contains(r.rule()));
  }

  /**
   * Records what happened to an allowed action (see {@link OutcomeRecorder}).
   *
   * @param agentId the reporting agent, or null when any agent may report (open mode)
   */
  public CompletableFuture<OutcomeReceipt> recordOutcome(Outcome outcome, String agentId) {
    return outcomes.record(outcome, agentId);
  }

  /**
   * A decision as the agent may read it: its answer plus what happened since. With a wait,
   * a decision whose approval is pending is answered as soon as it is settled, or when the
   * wait is over, whichever comes first.
   *
   * @param agentId the reading agent, or null when the caller may read any decision
   */
  public CompletableFuture<DecisionView> view(String decisionId, String agentId,
      Duration wait) {
    CompletableFuture<DecisionView> now =
        CompletableFuture.supplyAsync(() -> viewNow(decisionId, agentId), evaluator);
    if (wait.isZero()) {
      return now;
    }
    return now.thenCompose(view -> {
      Approval approval = view.approval();
      if (approval == null || approval.status() != Approval.Status.PENDING) {
        return CompletableFuture.completedFuture(view);
      }
      // A copy: timing out one reader must not complete the approval's own future.
      return approval.settled().copy()
          .completeOnTimeout(approval, wait.toMillis(), TimeUnit.MILLISECONDS)
          .thenApplyAsync(settled -> viewNow(decisionId, agentId), evaluator);
    });
  }

  private DecisionView viewNow(String decisionId, String agentId) {
    DecisionRef ref = state.decisions.get(decisionId);
    if (ref == null || (agentId != null && !agentId.equals(ref.agentId))) {
      // Another agent's decision is answered as if it did not exist.
      throw new DecisionException(Kind.UNKNOWN_DECISION, "decision_id",
          "no decision with id '" + decisionId + "'");
    }
    LedgerEntry entry = readEntry(ref.seq);
    Decision decision = DecisionRecord.toDecision(entry.data(), receiptOf(entry));
    Approval approval = state.approvals.find(ref.approvalId).orElse(null);
    return new DecisionView(decision, approval, ref.outcomeStatus, ref.inDoubt());
  }

  static Receipt receiptOf(LedgerEntry entry) {
    return new Receipt(entry.seq(), entry.hash(), entry.signature(), entry.keyId());
  }
}
