package dev.veto.decision;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.approval.Approval;
import dev.veto.decision.DecisionException.Kind;
import dev.veto.incident.Incident;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.Receipt;
import dev.veto.mode.ModeBook;
import dev.veto.policy.ActivePolicy;
import dev.veto.policy.Evaluation;
import dev.veto.policy.Limits;
import dev.veto.policy.Mode;
import dev.veto.task.Breaker;
import dev.veto.task.TaskState;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What people do to the running system: approvers settle approvals, operators set modes,
 * halt and reset tasks and release or drop queued actions; and what they read: tasks,
 * approvals, the queue, incidents. Every change is a ledger entry, written before the
 * caller is told it happened. Changes to a task run on the evaluator under the task's
 * monitor, like the decisions they must be ordered with.
 */
public final class Controls {

  static final String BREAKER_OPEN = "veto.breaker_open";
  private static final int LIST_LIMIT = 1000;
  private static final Logger log = LoggerFactory.getLogger(Controls.class);

  private final Projections state;
  private final ActivePolicy policies;
  private final Ledger ledger;
  private final Clock clock;
  private final Executor evaluator;
  private final DecisionMetrics metrics;

  Controls(Projections state, ActivePolicy policies, Ledger ledger, Clock clock,
      Executor evaluator, DecisionMetrics metrics) {
    this.metrics = metrics;
    this.state = state;
    this.policies = policies;
    this.ledger = ledger;
    this.clock = clock;
    this.evaluator = evaluator;
  }

  // ---- approvals and the queue -------------------------------------------------------

  /**
   * Settles a pending approval or queued action. Exactly one settlement wins: the loser of
   * a race, or a late second answer, gets a conflict naming the first.
   */
  public CompletableFuture<ObjectNode> settle(String id, Approval.Kind kind,
      Approval.Status to, String by, String comment) {
    return onEvaluator(() -> {
      Approval approval = state.approvals.find(id).filter(a -> a.kind() == kind)
          .orElseThrow(() -> new DecisionException(Kind.NOT_FOUND, "id",
              "no " + kind.wire() + " with id '" + id + "'"));
      TaskState task = state.tasks.state(approval.taskId());
      synchronized (task) {
        return settleLocked(approval, to, by, comment);
      }
    });
  }

  private CompletableFuture<ObjectNode> settleLocked(Approval approval, Approval.Status to,
      String by, String comment) {
    if (!approval.settle(to, by, comment, clock.millis())) {
      throw new DecisionException(Kind.ALREADY_SETTLED, "decision", "the "
          + approval.kind().wire() + " '" + approval.id() + "' is already "
          + approval.statusWire() + (approval.settledBy() == null ? ""
              : " by " + approval.settledBy()));
    }
    ObjectNode data = Json.MAPPER.createObjectNode()
        .put("approval_id", approval.id())
        .put("kind", approval.kind().wire())
        .put("decision_id", approval.decisionId())
        .put("task_id", approval.taskId())
        .put("status", approval.statusWire())
        .put("by", by)
        .put("at", iso(approval.settledAtMillis()));
    if (comment != null) {
      data.put("comment", comment);
    }
    return append(DecisionRecord.APPROVAL_SETTLED, data).handle((receipt, failure) -> {
      if (failure != null) {
        runOnEvaluator(() -> unsettle(approval));
        throw asRuntime(failure);
      }
      approval.published();
      metrics.event("veto.approvals.settled", "status", approval.statusWire());
      log.atInfo().setMessage("approval settled").addKeyValue("approval_id", approval.id())
          .addKeyValue("status", approval.statusWire()).addKeyValue("by", by).log();
      return approvalView(approval);
    });
  }

  private void unsettle(Approval approval) {
    synchronized (state.tasks.state(approval.taskId())) {
      approval.unsettle();
    }
  }

  /**
   * Expires pending approvals past their time to live, as denied; run every second. The scan
   * runs on the evaluator, never on the caller's thread (the timer is an event loop's).
   */
  public void expireOverdue() {
    runOnEvaluator(() -> {
      for (Approval approval : state.approvals.overdue(clock.millis())) {
        settle(approval.id(), approval.kind(), Approval.Status.EXPIRED, "veto",
            "not settled within its time to live")
            .exceptionally(failure -> null);
      }
    });
  }

  public CompletableFuture<ArrayNode> approvals(Approval.Kind kind, Approval.Status status) {
    return onEvaluator(() -> {
      ArrayNode list = Json.MAPPER.createArrayNode();
      for (Approval approval : state.approvals.list(kind, status, LIST_LIMIT)) {
        list.add(approvalView(approval));
      }
      return CompletableFuture.completedFuture(list);
    });
  }

  public CompletableFuture<ObjectNode> approval(String id, Approval.Kind kind) {
    return onEvaluator(() -> CompletableFuture.completedFuture(
        approvalView(state.approvals.find(id).filter(a -> a.kind() == kind)
            .orElseThrow(() -> new DecisionException(Kind.NOT_FOUND, "id",
                "no " + kind.wire() + " with id '" + id + "'")))));
  }

  /** What an approver needs to judge: the exact call, why it waits, the task's history. */
  ObjectNode approvalView(Approval approval) {
    ObjectNode node = Json.MAPPER.createObjectNode()
        .put("id", approval.id())
        .put("kind", approval.kind().wire())
        .put("status", approval.statusWire())
        .put("decision_id", approval.decisionId())
        .put("task_id", approval.taskId())
        .put("agent_id", approval.agentId())
        .put("tool", approval.tool());
    node.set("args", approval.args());
    node.set("reasons", DecisionRecord.reasons(approval.reasons()));
    node.put("created_at", iso(approval.createdAtMillis()));
    if (approval.expiresAtMillis() != Long.MAX_VALUE) {
      node.put("expires_at", iso(approval.expiresAtMillis()));
    }
    if (approval.settledAtMillis() >= 0) {
      node.put("settled_by", approval.settledBy()).put("settled_at",
          iso(approval.settledAtMillis()));
      node.put("comment", approval.comment());
    }
    node.put("used", approval.usedBy() != null);
    TaskState task = state.tasks.state(approval.taskId());
    synchronized (task) {
      node.set("recent_decisions", recent(task));
    }
    return node;
  }

  static Approval approvalOf(Decision decision, Proposal proposal, String requestHash,
      long nowMillis) {
    Decision.Opened opened = decision.approval();
    boolean queue = "queue".equals(opened.kind());
    long expires = opened.expiresAt() == null ? Long.MAX_VALUE
        : Instant.parse(opened.expiresAt()).toEpochMilli();
    return new Approval(opened.id(), queue ? Approval.Kind.QUEUE : Approval.Kind.APPROVAL,
        decision.decisionId(), proposal.taskId(), proposal.agentId(), proposal.tool(),
        proposal.args(), requestHash, proposal.idempotencyKey(), decision.reasons(),
        nowMillis, expires);
  }

  // ---- breakers and incidents ---------------------------------------------------------

  /**
   * Under the task monitor, before the rules: refuses while the breaker is open, moves it to
   * half-open once the cool-down is over, and lets only the trial calls through.
   */
  Evaluation breakerGate(TaskState task, long now, LifecycleOptions options) {
    Breaker breaker = task.breaker();
    long cooldown = options.breakerCooldown().toMillis();
    if (breaker.state() == Breaker.State.OPEN && now - breaker.openedAtMillis() >= cooldown) {
      transition(task, Breaker.State.HALF_OPEN, now, "cool-down of " + cooldown + " ms over");
    }
    return switch (breaker.state()) {
      case OPEN -> DecisionService.refusal(BREAKER_OPEN, "circuit breaker open: "
          + breaker.consecutiveFailures() + " consecutive failed calls in this task; trial"
          + " calls are let through from " + iso(breaker.openedAtMillis() + cooldown)
          + ", or an operator's reset (POST /v1/tasks/{id}/reset) closes it now");
      case HALF_OPEN -> breaker.trialsStarted() < options.breakerTrials() ? null
          : DecisionService.refusal("veto.breaker_half_open", "circuit breaker half-open: "
              + "waiting for the outcome of the trial call; report it and a success closes"
              + " the breaker");
      case CLOSED -> null;
    };
  }

  /**
   * Under the task monitor, after an outcome: opens the breaker at the threshold, and
   * decides a half-open trial. Returns the incident to record when the breaker opened.
   */
  ObjectNode breakerAfterOutcome(TaskState task, OutcomeStatus status,
      LifecycleOptions options) {
    Breaker breaker = task.breaker();
    if (status != OutcomeStatus.UNKNOWN) {
      // An unknown outcome proves nothing either way: the count of failures stands.
      breaker.outcome(status == OutcomeStatus.FAILED);
    }
    long now = clock.millis();
    boolean opens = switch (breaker.state()) {
      case CLOSED -> breaker.consecutiveFailures() >= options.breakerThreshold();
      case HALF_OPEN -> status != OutcomeStatus.SUCCEEDED;
      case OPEN -> false;
    };
    if (breaker.state() == Breaker.State.HALF_OPEN && status == OutcomeStatus.SUCCEEDED) {
      transition(task, Breaker.State.CLOSED, now, "trial call succeeded");
      return null;
    }
    if (!opens) {
      return null;
    }
    String cause = breaker.state() == Breaker.State.HALF_OPEN
        ? "trial call " + status.wire() : breaker.consecutiveFailures()
            + " consecutive failed calls";
    transition(task, Breaker.State.OPEN, now, cause);
    return incident(task, BREAKER_OPEN, "circuit breaker opened: " + cause,
        options.breakerThreshold(), breaker.consecutiveFailures(),
        policies.current().version(), now);
  }

  private void transition(TaskState task, Breaker.State to, long now, String cause) {
    Breaker.State from = task.breaker().state();
    task.breaker().moveTo(to, now);
    ObjectNode data = Json.MAPPER.createObjectNode()
        .put("task_id", task.taskId())
        .put("from", from.wire())
        .put("to", to.wire())
        .put("cause", cause)
        .put("consecutive_failures", task.breaker().consecutiveFailures())
        .put("at", iso(now));
    append(DecisionRecord.BREAKER, data);
    metrics.event("veto.breaker.transitions", "to", to.wire());
    log.atWarn().setMessage("breaker moved").addKeyValue("task_id", task.taskId())
        .addKeyValue("from", from.wire()).addKeyValue("to", to.wire()).log();
  }

  /** An incident entry's data, its range ending at the entry that tripped (filled later). */
  static ObjectNode incident(TaskState task, String trigger, String detail, long limit,
      long value, String policyVersion, long nowMillis) {
    ObjectNode data = Json.MAPPER.createObjectNode()
        .put("incident_id", UUID.randomUUID().toString())
        .put("task_id", task.taskId())
        .put("trigger", trigger)
        .put("detail", detail)
        .put("limit", limit)
        .put("value", value)
        .put("policy_version", policyVersion)
        .put("time", iso(nowMillis));
    data.putObject("entries").put("from", task.firstSeq());
    return data;
  }

  /** Appends an incident whose range ends at toSeq; safe from the appender thread. */
  void recordIncident(ObjectNode data, long toSeq) {
    ObjectNode entries = (ObjectNode) data.get("entries");
    if (entries.path("from").asLong() < 0) {
      entries.put("from", toSeq);
    }
    entries.put("to", toSeq);
    append(DecisionRecord.INCIDENT, data).thenAccept(receipt -> {
      state.incidents.add(Restorer.incidentOf(data));
      metrics.event("veto.incidents", "trigger", data.path("trigger").asText());
      log.atWarn().setMessage("incident").addKeyValue("incident_id",
              data.path("incident_id").asText())
          .addKeyValue("task_id", data.path("task_id").asText())
          .addKeyValue("trigger", data.path("trigger").asText()).log();
    });
  }

  public CompletableFuture<ArrayNode> incidents(String taskId) {
    return onEvaluator(() -> {
      ArrayNode list = Json.MAPPER.createArrayNode();
      for (Incident incident : state.incidents.latest(taskId, LIST_LIMIT)) {
        list.add(incidentView(incident));
      }
      return CompletableFuture.completedFuture(list);
    });
  }

  public CompletableFuture<ObjectNode> incident(String id) {
    return onEvaluator(() -> CompletableFuture.completedFuture(incidentView(
        state.incidents.find(id).orElseThrow(() -> new DecisionException(
            Kind.NOT_FOUND, "id", "no incident with id '" + id + "'")))));
  }

  private static ObjectNode incidentView(Incident incident) {
    ObjectNode node = Json.MAPPER.createObjectNode()
        .put("incident_id", incident.incidentId())
        .put("task_id", incident.taskId())
        .put("trigger", incident.trigger())
        .put("detail", incident.detail())
        .put("limit", incident.limit())
        .put("value", incident.value())
        .put("policy_version", incident.policyVersion())
        .put("time", iso(incident.atMillis()));
    node.putObject("entries").put("from", incident.fromSeq()).put("to", incident.toSeq());
    return node;
  }

  // ---- tasks --------------------------------------------------------------------------

  /** Halts a task: every proposal is refused until a reset. Halting twice changes nothing. */
  public CompletableFuture<ObjectNode> halt(String taskId, String by, String reason) {
    return onTask(taskId, task -> {
      if (task.halt() != null) {
        return CompletableFuture.completedFuture(taskView(task));
      }
      long now = clock.millis();
      task.halt(new TaskState.Halt(by, reason, now));
      ObjectNode data = Json.MAPPER.createObjectNode()
          .put("task_id", taskId).put("by", by).put("reason", reason).put("at", iso(now));
      return append(DecisionRecord.TASK_HALTED, data).thenApply(r -> viewOf(taskId));
    });
  }

  /** Resets a task: budgets, failures, breaker and halt start afresh. */
  public CompletableFuture<ObjectNode> reset(String taskId, String by) {
    return onTask(taskId, task -> {
      task.reset();
      ObjectNode data = Json.MAPPER.createObjectNode().put("task_id", taskId).put("by", by);
      return append(DecisionRecord.TASK_RESET, data).thenApply(r -> viewOf(taskId));
    });
  }

  public CompletableFuture<ObjectNode> task(String taskId) {
    return onTask(taskId, task -> CompletableFuture.completedFuture(taskView(task)));
  }

  private ObjectNode viewOf(String taskId) {
    TaskState task = state.tasks.state(taskId);
    synchronized (task) {
      return taskView(task);
    }
  }

  /** Under the task monitor. */
  private ObjectNode taskView(TaskState task) {
    long now = clock.millis();
    Limits limits = policies.current().limits();
    ObjectNode node = Json.MAPPER.createObjectNode().put("task_id", task.taskId());
    var usage = task.usage(0, now);
    ObjectNode budgets = node.putObject("budgets");
    budgets.putObject("used").put("tool_calls", usage.calls()).put("tokens", usage.tokens())
        .put("wall_clock_ms", usage.elapsedMillis());
    budgets.putObject("limits").put("tool_calls", limits.maxCalls())
        .put("tokens", limits.maxTokens()).put("wall_clock_ms", limits.maxWallClockMillis())
        .put("failures_per_step", limits.maxFailuresPerStep());
    budgets.set("remaining", DecisionRecord.remaining(task.remaining(limits, 0, now)));

    Breaker breaker = task.breaker();
    ObjectNode breakerNode = node.putObject("breaker").put("state", breaker.state().wire())
        .put("consecutive_failures", breaker.consecutiveFailures());
    if (breaker.state() != Breaker.State.CLOSED) {
      breakerNode.put("opened_at", iso(breaker.openedAtMillis()));
    }
    ObjectNode mode = node.putObject("mode")
        .put("task", state.modes.modeOf(ModeBook.Scope.TASK, task.taskId()).wire())
        .put("global", state.modes.modeOf(ModeBook.Scope.GLOBAL, null).wire());
    TaskState.Halt halt = task.halt();
    if (halt == null) {
      node.putNull("halted");
    } else {
      node.putObject("halted").put("by", halt.by()).put("reason", halt.reason())
          .put("at", iso(halt.atMillis()));
    }
    node.set("recent_decisions", recent(task));
    ArrayNode incidents = node.putArray("incidents");
    state.incidents.latest(task.taskId(), LIST_LIMIT)
        .forEach(i -> incidents.add(i.incidentId()));
    return node;
  }

  private static ArrayNode recent(TaskState task) {
    ArrayNode list = Json.MAPPER.createArrayNode();
    for (TaskState.RecentDecision d : task.recentDecisions()) {
      list.addObject().put("decision_id", d.decisionId()).put("tool", d.tool())
          .put("verdict", d.verdict()).put("tier", d.tier()).put("at", iso(d.atMillis()));
    }
    return list;
  }

  // ---- modes --------------------------------------------------------------------------

  /** Sets the mode of a scope; normal clears it. Applied once the entry is in the ledger. */
  public CompletableFuture<ArrayNode> setMode(ModeBook.Scope scope, String id, Mode mode,
      String by, String reason) {
    return onEvaluator(() -> {
      long now = clock.millis();
      ObjectNode data = Json.MAPPER.createObjectNode()
          .put("scope", scope.wire())
          .put("id", id)
          .put("mode", mode.wire())
          .put("by", by)
          .put("reason", reason)
          .put("at", iso(now));
      synchronized (state.modes) {
        return append(DecisionRecord.MODE_SET, data).thenApply(receipt -> {
          state.modes.set(new ModeBook.Setting(scope, id, mode, by, reason, now));
          log.atWarn().setMessage("mode set").addKeyValue("scope", scope.wire())
              .addKeyValue("id", id).addKeyValue("mode", mode.wire()).addKeyValue("by", by)
              .log();
          return modesView();
        });
      }
    });
  }

  public CompletableFuture<ArrayNode> modes() {
    return onEvaluator(() -> CompletableFuture.completedFuture(modesView()));
  }

  private ArrayNode modesView() {
    ArrayNode list = Json.MAPPER.createArrayNode();
    for (ModeBook.Setting setting : state.modes.all()) {
      list.addObject().put("scope", setting.scope().wire()).put("id", setting.id())
          .put("mode", setting.mode().wire()).put("meaning", setting.mode().meaning())
          .put("by", setting.by()).put("reason", setting.reason())
          .put("since", iso(setting.atMillis()));
    }
    return list;
  }

  // ---- plumbing -----------------------------------------------------------------------

  private CompletableFuture<Receipt> append(String kind, ObjectNode data) {
    try {
      return ledger.append(kind, data);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Work on a task Veto knows; an id no proposal ever named is a 404, not a new task. */
  private <T> CompletableFuture<T> onTask(String taskId,
      java.util.function.Function<TaskState, CompletableFuture<T>> work) {
    return onEvaluator(() -> {
      TaskState task = state.tasks.find(taskId);
      if (task == null) {
        throw new DecisionException(Kind.NOT_FOUND, "task_id",
            "no task with id '" + taskId + "' has proposed anything");
      }
      synchronized (task) {
        return work.apply(task);
      }
    });
  }

  private <T> CompletableFuture<T> onEvaluator(Supplier<CompletableFuture<T>> work) {
    try {
      return CompletableFuture.supplyAsync(work, evaluator).thenCompose(f -> f);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new DecisionException(Kind.OVERLOADED, null, "too many requests in flight"));
    }
  }

  private void runOnEvaluator(Runnable work) {
    try {
      evaluator.execute(work);
    } catch (RejectedExecutionException e) {
      log.atWarn().setMessage("bookkeeping after a ledger failure was dropped").log();
    }
  }

  private static RuntimeException asRuntime(Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException
        && failure.getCause() != null ? failure.getCause() : failure;
    return cause instanceof RuntimeException runtime ? runtime
        : new IllegalStateException(cause);
  }

  static String iso(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }
}
