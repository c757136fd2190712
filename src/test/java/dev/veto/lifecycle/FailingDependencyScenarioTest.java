package dev.veto.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failures production agents meet, one scenario each, with the answer Veto must give:
 * truncated tool responses, flaky tools, partial permissions, conflicting instructions and
 * stale approvals or cached decisions.
 */
class FailingDependencyScenarioTest {

  @TempDir
  Path data;

  private VetoFixture veto;

  @BeforeEach
  void start() {
    veto = VetoFixture.start(data);
  }

  @AfterEach
  void stop() {
    veto.close();
  }

  private JsonNode propose(String task, String tool, String key, long step, String argsJson) {
    ObjectNode proposal = Proposals.of(task, tool);
    proposal.put("idempotency_key", key);
    proposal.put("step", step);
    try {
      proposal.set("args", dev.veto.json.Json.MAPPER.readTree(argsJson));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    return veto.decide(proposal).json();
  }

  private Reply report(JsonNode decision, String status) {
    return veto.post("/v1/outcomes", "{\"decision_id\":\""
        + decision.path("decision_id").asText() + "\",\"status\":\"" + status + "\"}");
  }

  private static List<String> rules(JsonNode decision) {
    List<String> rules = new ArrayList<>();
    decision.path("reasons").forEach(r -> rules.add(r.path("rule").asText()));
    return rules;
  }

  /** The tool's response was cut off: the agent cannot tell whether it worked. */
  @Test
  void truncatedToolResponse_isReportedUnknown_andTheActionStaysInDoubt() {
    JsonNode allowed = propose("t-trunc", "enable_roaming", "k1", 1, "{\"customer_id\":\"C1\"}");
    Reply cutReport = veto.post("/v1/outcomes", "{\"decision_id\":\""
        + allowed.path("decision_id").asText() + "\",\"status\":\"succ");
    assertThat(cutReport.status()).isEqualTo(400);
    assertThat(report(allowed, "unknown").status()).isEqualTo(200);

    JsonNode retry = propose("t-trunc", "enable_roaming", "k1", 1, "{\"customer_id\":\"C1\"}");
    JsonNode newKey = propose("t-trunc", "enable_roaming", "k2", 1, "{\"customer_id\":\"C1\"}");

    assertThat(retry.path("outcome").asText()).isEqualTo("unknown");
    assertThat(rules(retry)).first().isEqualTo("veto.in_doubt");
    assertThat(newKey.path("verdict").asText()).isEqualTo("require_approval");
    assertThat(rules(newKey)).contains("veto.probable_duplicate");
  }

  /** A tool that fails every other call: the step's failure budget stops it, not the breaker. */
  @Test
  void flakyTool_failingEveryOtherCall_isStoppedByTheStepBudgetAndTheBreakerStaysClosed() {
    List<String> verdicts = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      JsonNode decision = propose("t-flaky", "enable_roaming", "k" + i, 1,
          "{\"customer_id\":\"C" + i + "\"}");
      verdicts.add(decision.path("verdict").asText());
      if (decision.path("verdict").asText().equals("allow")) {
        report(decision, i % 2 == 0 ? "failed" : "succeeded");
      }
    }

    // Failures at calls 1, 3 and 5 spend the step's three: from call 6 on, refused.
    assertThat(verdicts.subList(0, 5)).containsOnly("allow");
    assertThat(verdicts.subList(5, 8)).containsOnly("refuse");
    JsonNode refused = propose("t-flaky", "enable_roaming", "k9", 1, "{\"customer_id\":\"C9\"}");
    assertThat(rules(refused)).contains("breaker.failures_in_step");
    assertThat(propose("t-flaky", "enable_roaming", "k10", 2, "{\"customer_id\":\"C10\"}")
        .path("verdict").asText()).isEqualTo("allow");
    assertThat(veto.get("/v1/tasks/t-flaky").json().path("breaker").path("state").asText())
        .isEqualTo("closed");
  }

  /** Some tools of a task are allowed and others not: each call is answered on its own. */
  @Test
  void partialPermissions_refuseOnlyTheCallsThatAreNotAllowed() {
    JsonNode read = propose("t-part", "get_user_details", "r", 1, "{\"user_id\":\"u1\"}");
    JsonNode money = propose("t-part", "BankManagerTransferFunds", "m", 1, "{\"amount\":5}");
    ObjectNode noKey = Proposals.of("t-part", "enable_roaming");
    noKey.remove("idempotency_key");
    JsonNode unkeyed = veto.decide(noKey).json();
    JsonNode readAgain = propose("t-part", "get_order_details", "r2", 1, "{\"order_id\":\"1\"}");

    assertThat(read.path("verdict").asText()).isEqualTo("allow");
    assertThat(money.path("verdict").asText()).isEqualTo("require_approval");
    assertThat(unkeyed.path("verdict").asText()).isEqualTo("refuse");
    assertThat(rules(unkeyed)).contains("idempotency.key_required");
    assertThat(readAgain.path("verdict").asText()).isEqualTo("allow");
  }

  /** Refund and charge of the same order in one task: each needs its own approval. */
  @Test
  void conflictingInstructions_eachNeedTheirOwnApproval_andTheApproverSeesBoth() {
    JsonNode refund = propose("t-conflict", "refund_payment", "refund",
        1, "{\"order_id\":\"A-1\",\"amount\":\"40.00\"}");
    JsonNode charge = propose("t-conflict", "charge_payment", "charge",
        1, "{\"order_id\":\"A-1\",\"amount\":\"40.00\"}");
    assertThat(refund.path("verdict").asText()).isEqualTo("require_approval");
    assertThat(charge.path("verdict").asText()).isEqualTo("require_approval");

    JsonNode chargeApproval = veto.get("/v1/approvals/"
        + charge.path("approval").path("id").asText()).json();
    List<String> context = new ArrayList<>();
    chargeApproval.path("recent_decisions").forEach(d -> context.add(d.path("tool").asText()));
    assertThat(context).containsExactly("refund_payment", "charge_payment");

    veto.post("/v1/approvals/" + refund.path("approval").path("id").asText(),
        "{\"decision\":\"approve\"}");
    JsonNode chargeAgain = propose("t-conflict", "charge_payment", "charge",
        1, "{\"order_id\":\"A-1\",\"amount\":\"40.00\"}");
    assertThat(chargeAgain.path("verdict").asText()).isEqualTo("require_approval");
  }

  /** An approval given before the operator tightened the mode no longer lets the call run. */
  @Test
  void staleApproval_doesNotOverrideAStricterModeSinceSet() {
    JsonNode asked = propose("t-stale", "BankManagerTransferFunds", "k", 1, "{\"amount\":5}");
    veto.post("/v1/approvals/" + asked.path("approval").path("id").asText(),
        "{\"decision\":\"approve\"}");
    veto.post("/v1/modes", "{\"scope\":\"global\",\"mode\":\"extraction_only\"}");

    JsonNode again = propose("t-stale", "BankManagerTransferFunds", "k", 1, "{\"amount\":5}");

    assertThat(again.path("verdict").asText()).isEqualTo("refuse");
    assertThat(rules(again)).contains("veto.mode.extraction_only");
    assertThat(veto.get("/v1/approvals/" + asked.path("approval").path("id").asText()).json()
        .path("used").asBoolean()).isFalse();
  }

  /**
   * A cached decision stays what it was: a retry of an allowed call after the mode changed
   * replays the allow (the action may already have run); a new call gets the new answer.
   */
  @Test
  void cachedDecision_isReplayedAsMade_whileNewCallsGetTheNewAnswer() {
    JsonNode allowed = propose("t-cache", "enable_roaming", "k1", 1, "{\"customer_id\":\"C\"}");
    report(allowed, "succeeded");
    veto.post("/v1/modes", "{\"scope\":\"global\",\"mode\":\"extraction_only\"}");

    JsonNode replay = propose("t-cache", "enable_roaming", "k1", 1, "{\"customer_id\":\"C\"}");
    JsonNode fresh = propose("t-cache", "disable_roaming", "k2", 1, "{\"customer_id\":\"C\"}");

    assertThat(replay.path("decision_id").asText())
        .isEqualTo(allowed.path("decision_id").asText());
    assertThat(replay.path("verdict").asText()).isEqualTo("allow");
    assertThat(fresh.path("verdict").asText()).isEqualTo("refuse");
  }
}
