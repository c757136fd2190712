package dev.veto.policy.cases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import dev.veto.policy.Verdict;
import java.util.Set;

/**
 * One policy test case: a proposal, the task's usage before it, the situation (mode, probable
 * duplicate), and what the policy must answer.
 *
 * @param source file and line the case starts at, for the report ("money.yaml:12")
 * @param proposal as an agent sends it to /v1/decide (task_id and agent_id may be left out)
 */
public record PolicyCase(String source, String name, ObjectNode proposal, TaskUsage usage,
    Situation situation, Expected expected) {

  /**
   * What the case expects; a null member is not checked.
   *
   * @param rules the exact set of rules among the reasons
   * @param rulesInclude rules that must be among the reasons, others allowed
   */
  public record Expected(Verdict verdict, Integer tier, Set<String> rules,
      Set<String> rulesInclude) {}

  /** The fact the rules see, built exactly as the decision service builds it. */
  public ToolCall call() {
    JsonNode step = proposal.get("step");
    JsonNode key = proposal.get("idempotency_key");
    return ToolCall.of(
        proposal.path("task_id").asText("policy-test"),
        proposal.path("agent_id").asText("policy-test"),
        proposal.path("tool").asText(),
        proposal.get("args"),
        step == null || step.isNull() ? null : step.asLong(),
        key == null || key.isNull() ? null : key.asText(),
        proposal.path("tokens_used").asLong(0));
  }
}
