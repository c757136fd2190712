package dev.veto.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.DecisionRecord;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerReader;
import dev.veto.policy.Evaluation;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyEvaluationException;
import dev.veto.policy.PolicyTimeoutException;
import dev.veto.policy.Reason;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import dev.veto.policy.Verdict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Re-evaluates every recorded decision against candidate rules, with the inputs the rules saw
 * at the time (proposal, task usage before it, situation), and reports what would change.
 *
 * <p>The recorded answer compared is the rules' own: the entry's {@code rules} member when the
 * decision pipeline overrode them (approvals, breakers), none when {@code rules} is null (the
 * rules were not consulted), otherwise the top-level verdict, tier and reasons. Decisions that
 * failed closed when recorded (a rule threw, the deadline passed) are skipped: they hold no
 * answer of the rules to compare.
 */
public final class Replayer {

  static final String DECISION = "decision";
  private static final Set<String> FAIL_CLOSED = Set.of("veto.policy_error",
      "veto.deadline_exceeded");

  private final Policy candidate;
  private final ReplayReport report;

  private Replayer(Policy candidate, int examples) {
    this.candidate = candidate;
    this.report = new ReplayReport(candidate.version(), examples);
  }

  /** Replays dataDir's ledger (read-only, no lock) against candidate. */
  public static ReplayReport replay(Path dataDir, Policy candidate, int examples)
      throws IOException {
    Replayer replayer = new Replayer(candidate, examples);
    LedgerReader.read(dataDir, replayer::accept);
    return replayer.report;
  }

  private void accept(LedgerEntry entry) {
    if (!DECISION.equals(entry.kind())) {
      return;
    }
    report.decisions++;
    ObjectNode data = entry.data();
    JsonNode rules = data.get("rules");
    if (rules != null && rules.isNull()) {
      report.notEvaluatedByRules++;
      return;
    }
    Answer recorded = Answer.of(rules != null && rules.isObject() ? rules : data);
    if (recorded.rules().stream().anyMatch(FAIL_CLOSED::contains)) {
      report.failClosedAtTheTime++;
      return;
    }
    compare(entry.seq(), data, recorded);
  }

  private void compare(long seq, ObjectNode data, Answer recorded) {
    ObjectNode proposal = (ObjectNode) data.path("proposal");
    TaskUsage usage = usage(data.path("usage_before"));
    Situation situation = DecisionRecord.toSituation(data.path("situation"));
    Answer replayed = Answer.of(evaluate(callOf(proposal), usage, situation));
    if (replayed.equals(recorded)) {
      report.unchanged++;
      return;
    }
    report.add(new ReplayReport.Change(seq, data.path("decision_id").asText(), proposal,
        usage, situation, recorded, replayed));
  }

  /**
   * With the long offline deadline: replay asks what the rules answer, and a deadline missed
   * on a busy machine says nothing about them. A failure is an answer: refuse.
   */
  private Evaluation evaluate(ToolCall call, TaskUsage usage, Situation situation) {
    try {
      return candidate.trace(call, usage, situation, Policy.OFFLINE_DEADLINE_MILLIS)
          .evaluation();
    } catch (PolicyTimeoutException e) {
      return failed("veto.deadline_exceeded", e);
    } catch (PolicyEvaluationException | RuntimeException e) {
      return failed("veto.policy_error", e);
    }
  }

  private static Evaluation failed(String rule, Exception e) {
    return new Evaluation(Verdict.REFUSE, 3, List.of(new Reason(rule, e.getMessage())));
  }

  static ToolCall callOf(JsonNode proposal) {
    JsonNode step = proposal.get("step");
    JsonNode key = proposal.get("idempotency_key");
    return ToolCall.of(proposal.path("task_id").asText(), proposal.path("agent_id").asText(),
        proposal.path("tool").asText(), proposal.get("args"),
        step == null || step.isNull() ? null : step.asLong(),
        key == null || key.isNull() ? null : key.asText(),
        proposal.path("tokens_used").asLong(0));
  }

  static TaskUsage usage(JsonNode node) {
    return new TaskUsage(node.path("tool_calls").asLong(), node.path("tokens").asLong(),
        node.path("elapsed_ms").asLong(), node.path("failures_in_step").asInt());
  }
}
