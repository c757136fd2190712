package dev.veto.decision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.approval.Approval;
import dev.veto.decision.DecisionRecord.Charge;
import dev.veto.incident.Incident;
import dev.veto.ledger.LedgerEntry;
import dev.veto.mode.ModeBook;
import dev.veto.policy.Mode;
import dev.veto.policy.Reason;
import dev.veto.policy.Verdict;
import dev.veto.task.Breaker;
import dev.veto.task.TaskState;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the projections from the ledger, one entry at a time in ledger order, applying
 * each entry exactly as the live path did when it wrote it: after a restart every task,
 * approval, key, breaker and mode is where it was.
 */
final class Restorer {

  private static final Logger log = LoggerFactory.getLogger(Restorer.class);

  private final Projections state;
  private final Clock clock;
  private final LifecycleOptions options;

  Restorer(Projections state, Clock clock, LifecycleOptions options) {
    this.state = state;
    this.clock = clock;
    this.options = options;
  }

  void restore(LedgerEntry entry) {
    JsonNode data = entry.data();
    long at = timeOf(data.path("at"), entry);
    switch (entry.kind()) {
      case DecisionRecord.DECISION -> decision(entry, data, at);
      case DecisionRecord.OUTCOME -> outcome(entry, data);
      case DecisionRecord.APPROVAL_SETTLED -> settled(data, at);
      case DecisionRecord.BREAKER -> breaker(data, at);
      case DecisionRecord.INCIDENT -> incident(data);
      case DecisionRecord.TASK_HALTED -> halted(data, at);
      case DecisionRecord.TASK_RESET -> task(data).reset();
      case DecisionRecord.MODE_SET -> mode(data, at);
      case DecisionRecord.POLICY_LOADED -> state.policyLoaded = data.path("version").asText(null);
      default -> log.atDebug().setMessage("ledger entry kind not projected")
          .addKeyValue("kind", entry.kind()).addKeyValue("seq", entry.seq()).log();
    }
  }

  /**
   * When the change happened: the explicit {@code at} of lifecycle entries (the moment the
   * live path used), else the entry's time.
   */
  private static long timeOf(JsonNode at, LedgerEntry entry) {
    return Instant.parse(at.isTextual() ? at.asText() : entry.time()).toEpochMilli();
  }

  private TaskState task(JsonNode data) {
    return state.tasks.state(data.path("task_id").asText());
  }

  private void decision(LedgerEntry entry, JsonNode data, long at) {
    JsonNode proposal = data.path("proposal");
    TaskState task = state.tasks.state(proposal.path("task_id").asText());
    Charge charge = Charge.of(data.path("charged"));
    Decision decision = DecisionRecord.toDecision(data, DecisionService.receiptOf(entry));
    String approvalId = decision.approval() == null ? null : decision.approval().id();
    DecisionRef ref = new DecisionRef(decision.decisionId(), task.taskId(),
        proposal.path("agent_id").asText(), proposal.path("step").asLong(0),
        decision.verdict(), decision.tier(), approvalId);
    ref.seq = entry.seq();

    task.touch(at);
    task.charge(charge.calls(), charge.tokens());
    task.recorded(entry.seq());
    task.remember(new TaskState.RecentDecision(decision.decisionId(),
        proposal.path("tool").asText(), decision.verdict().wire(), decision.tier(), at));
    if (decision.verdict() == Verdict.ALLOW) {
      task.breaker().callAllowed();
    }
    for (Reason reason : decision.reasons()) {
      task.trip(reason.rule());
    }
    state.decisions.put(decision.decisionId(), ref);

    String requestHash = data.path("request_hash").asText();
    if (decision.approval() != null) {
      state.approvals.add(approvalOf(decision, proposal, requestHash, at));
    }
    JsonNode grant = data.path("grant");
    if (grant.isTextual() && decision.verdict() == Verdict.ALLOW) {
      state.approvals.find(grant.asText()).ifPresent(a -> a.usedBy(decision.decisionId()));
    }
    if (decision.verdict() == Verdict.ALLOW && decision.tier() >= 1) {
      state.sideEffect(requestHash, ref, at);
    }
    restoreKey(entry, data, decision, proposal, at);
  }

  private void restoreKey(LedgerEntry entry, JsonNode data, Decision decision,
      JsonNode proposal, long at) {
    JsonNode key = proposal.path("idempotency_key");
    boolean fresh = clock.millis() - at < options.idempotencyWindow().toMillis();
    boolean failClosed = decision.reasons().stream().anyMatch(r ->
        r.rule().equals(DecisionService.POLICY_ERROR)
            || r.rule().equals(DecisionService.DEADLINE_EXCEEDED));
    if (key.isTextual() && fresh && !failClosed) {
      state.idempotency.restore(proposal.path("agent_id").asText(), key.asText(),
          data.path("request_hash").asText(), decision.decisionId(), entry.seq(), at);
    }
  }

  private static Approval approvalOf(Decision decision, JsonNode proposal, String requestHash,
      long at) {
    Decision.Opened opened = decision.approval();
    long expires = opened.expiresAt() == null ? Long.MAX_VALUE
        : Instant.parse(opened.expiresAt()).toEpochMilli();
    JsonNode args = proposal.path("args");
    return new Approval(opened.id(),
        "queue".equals(opened.kind()) ? Approval.Kind.QUEUE : Approval.Kind.APPROVAL,
        decision.decisionId(), proposal.path("task_id").asText(),
        proposal.path("agent_id").asText(), proposal.path("tool").asText(),
        args.isObject() ? (ObjectNode) args : null, requestHash,
        proposal.path("idempotency_key").asText(null), decision.reasons(), at, expires);
  }

  private void outcome(LedgerEntry entry, JsonNode data) {
    DecisionRef ref = state.decisions.get(data.path("decision_id").asText());
    if (ref == null) {
      log.atWarn().setMessage("outcome entry names an unknown decision")
          .addKeyValue("seq", entry.seq()).log();
      return;
    }

    OutcomeStatus status = OutcomeStatus.fromWire(data.path("status").asText()).orElseThrow();
    TaskState task = state.tasks.state(ref.taskId);
    task.charge(0, data.path("tokens_used").asLong());
    if (status == OutcomeStatus.FAILED) {
      task.recordFailure(ref.step);
    }
    // The breaker's transitions are entries of their own; here only its count moves.
    if (status != OutcomeStatus.UNKNOWN) {
      task.breaker().outcome(status == OutcomeStatus.FAILED);
    }
    ref.outcomeStatus = status;
    ref.outcomeTokens = data.path("tokens_used").asLong();
    ref.outcomeSeq = entry.seq();
  }

  private void settled(JsonNode data, long at) {
    state.approvals.find(data.path("approval_id").asText()).ifPresent(approval -> {
      Approval.Status status = Approval.Status.fromWire(data.path("status").asText());
      approval.settle(status, data.path("by").asText(), data.path("comment").asText(null), at);
      approval.published();
    });
  }

  private void breaker(JsonNode data, long at) {
    Breaker breaker = task(data).breaker();
    Breaker.State to = Breaker.State.fromWire(data.path("to").asText());
    if (Breaker.isLegal(breaker.state(), to)) {
      breaker.moveTo(to, at);
    } else {
      log.atWarn().setMessage("breaker entry does not follow from the state; applied anyway")
          .addKeyValue("task_id", data.path("task_id").asText()).log();
      breaker.reset();
      if (to != Breaker.State.CLOSED) {
        breaker.moveTo(Breaker.State.OPEN, at);
      }
    }
  }

  private void incident(JsonNode data) {
    Incident incident = incidentOf(data);
    state.incidents.add(incident);
    task(data).trip(incident.trigger());
  }

  static Incident incidentOf(JsonNode data) {
    return new Incident(
        data.path("incident_id").asText(),
        data.path("task_id").asText(),
        data.path("trigger").asText(),
        data.path("detail").asText(),
        data.path("limit").asLong(),
        data.path("value").asLong(),
        data.path("policy_version").asText(),
        data.path("entries").path("from").asLong(),
        data.path("entries").path("to").asLong(),
        Instant.parse(data.path("time").asText()).toEpochMilli());
  }

  private void halted(JsonNode data, long at) {
    task(data).halt(new TaskState.Halt(data.path("by").asText(), data.path("reason").asText(),
        at));
  }

  private void mode(JsonNode data, long at) {
    ModeBook.Scope scope = ModeBook.Scope.fromWire(data.path("scope").asText()).orElseThrow();
    Mode mode = Mode.fromWire(data.path("mode").asText()).orElseThrow();
    String id = data.path("id").isTextual() ? data.path("id").asText() : null;
    state.modes.set(new ModeBook.Setting(scope, id, mode, data.path("by").asText(),
        data.path("reason").asText(null), at));
  }
}
