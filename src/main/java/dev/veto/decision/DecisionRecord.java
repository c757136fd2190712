package dev.veto.decision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.json.Json;
import dev.veto.ledger.Receipt;
import dev.veto.policy.Evaluation;
import dev.veto.policy.Limits;
import dev.veto.policy.Mode;
import dev.veto.policy.Reason;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.Verdict;
import dev.veto.task.TaskState.Remaining;
import java.util.ArrayList;
import java.util.List;

/**
 * The schema of the ledger's {@code decision} and {@code outcome} entries (version 1).
 *
 * <p>A decision entry holds everything the rules saw (the proposal, its raw context by hash, the
 * task's usage before the decision, the limits) and everything Veto answered, so that a past
 * decision can be replayed against other rules and the answer rebuilt byte for byte from the
 * ledger alone. Field names are part of the auditors' format: change them only with a new
 * version number.
 */
public final class DecisionRecord {

  static final String DECISION = "decision";
  static final String OUTCOME = "outcome";
  static final String APPROVAL_SETTLED = "approval_settled";
  static final String BREAKER = "breaker";
  static final String INCIDENT = "incident";
  static final String TASK_HALTED = "task_halted";
  static final String TASK_RESET = "task_reset";
  static final String MODE_SET = "mode_set";
  /** Written by the server when a policy version starts serving (see PolicyLoads). */
  public static final String POLICY_LOADED = "policy_loaded";

  private DecisionRecord() {}

  static ObjectNode decision(
      String decisionId,
      Proposal proposal,
      String requestHash,
      Evaluation evaluation,
      String policyVersion,
      Situation situation,
      TaskUsage before,
      Limits limits,
      Charge charge,
      Remaining remaining) {
    ObjectNode data = Json.MAPPER.createObjectNode();
    data.put("decision_id", decisionId);
    data.set("proposal", proposal.toJson());
    data.put("request_hash", requestHash);
    data.put("verdict", evaluation.verdict().wire());
    data.put("tier", evaluation.tier());
    data.set("reasons", reasons(evaluation.reasons()));
    data.put("policy_version", policyVersion);
    data.set("situation", situation(situation));
    data.set("usage_before", usage(before));
    data.set("limits", limits(limits));
    data.set("charged", charge(charge));
    data.set("remaining", remaining(remaining));
    return data;
  }

  /**
   * Replaces the proposal's inline context by {@code context_sha256}, the name of the blob
   * that holds it (docs/LEDGER.md, "Payloads"); nothing when sha256 is null.
   */
  static void contextAsBlob(ObjectNode data, String sha256) {
    if (sha256 != null) {
      ObjectNode proposal = (ObjectNode) data.get("proposal");
      proposal.remove("context");
      proposal.put("context_sha256", sha256);
    }
  }

  /** Adds {@code response_sha256}, the blob holding the tool's response; nothing if null. */
  static void responseAsBlob(ObjectNode data, String sha256) {
    if (sha256 != null) {
      data.put("response_sha256", sha256);
    }
  }

  static ObjectNode outcome(
      String decisionId, String taskId, long step, Outcome outcome, Remaining remaining) {
    ObjectNode data = Json.MAPPER.createObjectNode();
    data.put("decision_id", decisionId);
    data.put("task_id", taskId);
    data.put("step", step);
    data.put("status", outcome.status().wire());
    data.put("tokens_used", outcome.tokensUsed());
    data.set("remaining", remaining(remaining));
    return data;
  }

  /** Rebuilds the answer of a decision entry; the inverse of {@link #decision}. */
  static Decision toDecision(JsonNode data, Receipt receipt) {
    List<Reason> reasons = new ArrayList<>();
    for (JsonNode reason : data.path("reasons")) {
      reasons.add(new Reason(reason.path("rule").asText(), reason.path("message").asText()));
    }
    JsonNode approval = data.path("approval");
    Decision.Opened opened = approval.isObject()
        ? new Decision.Opened(approval.path("id").asText(), approval.path("kind").asText(),
            approval.path("expires_at").isTextual() ? approval.path("expires_at").asText() : null)
        : null;
    return new Decision(
        data.path("decision_id").asText(),
        data.path("proposal").path("task_id").asText(),
        Verdict.valueOf(data.path("verdict").asText().toUpperCase(java.util.Locale.ROOT)),
        data.path("tier").asInt(),
        List.copyOf(reasons),
        data.path("policy_version").asText(),
        data.path("mode").isTextual()
            ? Mode.fromWire(data.path("mode").asText()).orElse(Mode.NORMAL)
            : toSituation(data.path("situation")).mode(),
        toRemaining(data.path("remaining")),
        opened,
        receipt,
        false,
        false);
  }

  /** The rules' own answer, kept when Veto's lifecycle changed it (see docs/LEDGER.md). */
  static ObjectNode rulesAnswer(Evaluation evaluation) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("verdict", evaluation.verdict().wire());
    node.put("tier", evaluation.tier());
    node.set("reasons", reasons(evaluation.reasons()));
    return node;
  }

  static ObjectNode opened(Decision.Opened opened) {
    ObjectNode node = Json.MAPPER.createObjectNode()
        .put("id", opened.id())
        .put("kind", opened.kind());
    if (opened.expiresAt() != null) {
      node.put("expires_at", opened.expiresAt());
    }
    return node;
  }

  static Remaining toRemaining(JsonNode node) {
    return new Remaining(
        node.path("tool_calls").asLong(),
        node.path("tokens").asLong(),
        node.path("wall_clock_ms").asLong(),
        node.path("failures_in_step").asInt());
  }

  /** Reasons as on the wire and in the ledger: {@code [{rule, message}]}. */
  public static ArrayNode reasons(List<Reason> reasons) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    for (Reason reason : reasons) {
      array.addObject().put("rule", reason.rule()).put("message", reason.message());
    }
    return array;
  }

  /** What the rules saw besides the call and usage; read back by replay. */
  public static ObjectNode situation(Situation situation) {
    return Json.MAPPER.createObjectNode()
        .put("mode", situation.mode().wire())
        .put("probable_duplicate", situation.probableDuplicate());
  }

  /** The inverse of {@link #situation(Situation)}; normal when the entry has none. */
  public static Situation toSituation(JsonNode node) {
    Mode mode = Mode.fromWire(node.path("mode").asText("normal")).orElse(Mode.NORMAL);
    return new Situation(mode, node.path("probable_duplicate").asBoolean(false));
  }

  private static ObjectNode usage(TaskUsage usage) {
    return Json.MAPPER.createObjectNode()
        .put("tool_calls", usage.calls())
        .put("tokens", usage.tokens())
        .put("elapsed_ms", usage.elapsedMillis())
        .put("failures_in_step", usage.failuresInStep());
  }

  private static ObjectNode limits(Limits limits) {
    return Json.MAPPER.createObjectNode()
        .put("max_tool_calls", limits.maxCalls())
        .put("max_tokens", limits.maxTokens())
        .put("max_wall_clock_ms", limits.maxWallClockMillis())
        .put("max_failures_per_step", limits.maxFailuresPerStep());
  }

  private static ObjectNode charge(Charge charge) {
    return Json.MAPPER.createObjectNode()
        .put("tool_calls", charge.calls())
        .put("tokens", charge.tokens());
  }

  /** Remaining budgets as on the wire and in the ledger. */
  public static ObjectNode remaining(Remaining remaining) {
    return Json.MAPPER.createObjectNode()
        .put("tool_calls", remaining.toolCalls())
        .put("tokens", remaining.tokens())
        .put("wall_clock_ms", remaining.wallClockMillis())
        .put("failures_in_step", remaining.failuresInStep());
  }

  /** What a decision took from its task's budgets. */
  record Charge(long calls, long tokens) {
    static Charge of(JsonNode node) {
      return new Charge(node.path("tool_calls").asLong(), node.path("tokens").asLong());
    }
  }
}
