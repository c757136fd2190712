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

/** Retries after lost replies, actions in doubt and probable duplicates, over HTTP. */
class InDoubtScenarioTest {

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

  private static ObjectNode roaming(String taskId, String key) {
    ObjectNode proposal = Proposals.of(taskId, "enable_roaming");
    proposal.put("idempotency_key", key);
    proposal.putObject("args").put("customer_id", "C1");
    return proposal;
  }

  private static List<String> rules(JsonNode decision) {
    List<String> rules = new ArrayList<>();
    decision.path("reasons").forEach(r -> rules.add(r.path("rule").asText()));
    return rules;
  }

  private long callsUsed(String taskId) {
    return veto.get("/v1/tasks/" + taskId).json().path("budgets").path("used")
        .path("tool_calls").asLong();
  }

  @Test
  void shouldChargeOnceWhenTheAgentRetriesAfterALostReplyAndReportedTheOutcome() {
    Reply first = veto.decide(roaming("t-lost", "k1"));
    String decisionId = first.json().path("decision_id").asText();
    veto.post("/v1/outcomes", "{\"decision_id\":\"" + decisionId
        + "\",\"status\":\"succeeded\",\"tokens_used\":10}");

    Reply retry = veto.decide(roaming("t-lost", "k1"));

    assertThat(retry.body()).isEqualTo(first.body());
    assertThat(retry.replayed()).isEqualTo("true");
    assertThat(callsUsed("t-lost")).isEqualTo(1);
  }

  @Test
  void shouldTellTheAgentToCheckAnActionWhoseOutcomeIsUnknown() {
    Reply first = veto.decide(roaming("t-doubt", "k1"));

    JsonNode retry = veto.decide(roaming("t-doubt", "k1")).json();

    assertThat(retry.path("verdict").asText()).isEqualTo("allow");
    assertThat(retry.path("decision_id").asText())
        .isEqualTo(first.json().path("decision_id").asText());
    assertThat(retry.path("outcome").asText()).isEqualTo("unknown");
    assertThat(rules(retry)).first().isEqualTo("veto.in_doubt");
    assertThat(retry.path("reasons").get(0).path("message").asText())
        .contains("check whether it already took effect");
    assertThat(callsUsed("t-doubt")).isEqualTo(1);
  }

  @Test
  void shouldStillBeInDoubtWhenTheOutcomeWasReportedUnknown() {
    String id = veto.decide(roaming("t-unknown", "k1")).json().path("decision_id").asText();
    veto.post("/v1/outcomes", "{\"decision_id\":\"" + id + "\",\"status\":\"unknown\"}");

    JsonNode retry = veto.decide(roaming("t-unknown", "k1")).json();
    JsonNode view = veto.get("/v1/decisions/" + id).json();

    assertThat(retry.path("outcome").asText()).isEqualTo("unknown");
    assertThat(view.path("in_doubt").asBoolean()).isTrue();
    assertThat(view.path("outcome").asText()).isEqualTo("unknown");
  }

  @Test
  void shouldAskApprovalForTheSameCallUnderANewKey() {
    veto.decide(roaming("t-dup", "k1"));

    JsonNode duplicate = veto.decide(roaming("t-dup", "k2")).json();

    assertThat(duplicate.path("verdict").asText()).isEqualTo("require_approval");
    assertThat(rules(duplicate)).contains("veto.probable_duplicate");
    // Another task doing the same thing is not a duplicate of this one.
    assertThat(veto.decide(roaming("t-other", "k3")).json().path("verdict").asText())
        .isEqualTo("allow");
  }

  @Test
  void shouldLetAFailedCallBeRetriedUnderANewKey() {
    String id = veto.decide(roaming("t-retry", "k1")).json().path("decision_id").asText();
    veto.post("/v1/outcomes", "{\"decision_id\":\"" + id + "\",\"status\":\"failed\"}");

    JsonNode retry = veto.decide(roaming("t-retry", "k2")).json();

    assertThat(retry.path("verdict").asText()).isEqualTo("allow");
    assertThat(rules(retry)).doesNotContain("veto.probable_duplicate");
  }

  @Test
  void shouldRememberDoubtAndDuplicatesAcrossARestart() {
    veto.decide(roaming("t-restart", "k1"));
    veto.restart();

    assertThat(veto.decide(roaming("t-restart", "k1")).json().path("outcome").asText())
        .isEqualTo("unknown");
    assertThat(rules(veto.decide(roaming("t-restart", "k2")).json()))
        .contains("veto.probable_duplicate");
    assertThat(callsUsed("t-restart")).isEqualTo(1);
  }

  @Test
  void shouldNameTheKeyWhenItIsReusedForOtherArguments() {
    veto.decide(roaming("t-409", "k1"));
    ObjectNode other = roaming("t-409", "k1");
    other.putObject("args").put("customer_id", "C2");

    Reply conflict = veto.decide(other);

    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.json().path("field").asText()).isEqualTo("idempotency_key");
    assertThat(conflict.json().path("message").asText()).contains("'k1'");
  }
}
