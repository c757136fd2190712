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

/** Degrade modes set by an operator, at each scope, and the queue, over HTTP. */
class ModeScenarioTest {

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

  private Reply setMode(String scope, String id, String mode) {
    String idPart = id == null ? "" : ",\"id\":\"" + id + "\"";
    return veto.post("/v1/modes", "{\"scope\":\"" + scope + "\"" + idPart + ",\"mode\":\""
        + mode + "\",\"reason\":\"incident drill\"}");
  }

  private JsonNode propose(String taskId, String tool, String key) {
    ObjectNode proposal = Proposals.of(taskId, tool);
    proposal.put("idempotency_key", key);
    proposal.putObject("args").put("customer_id", "C1");
    return veto.decide(proposal).json();
  }

  private static List<String> rules(JsonNode decision) {
    List<String> rules = new ArrayList<>();
    decision.path("reasons").forEach(r -> rules.add(r.path("rule").asText()));
    return rules;
  }

  @Test
  void shouldOnlyReadInExtractionOnlyMode() {
    assertThat(setMode("global", null, "extraction_only").status()).isEqualTo(200);

    JsonNode read = propose("t1", "get_user_details", "r");
    JsonNode draft = propose("t1", "transfer_to_human_agents", "d");

    assertThat(read.path("verdict").asText()).isEqualTo("allow");
    assertThat(read.path("mode").path("name").asText()).isEqualTo("extraction_only");
    assertThat(draft.path("verdict").asText()).isEqualTo("refuse");
    assertThat(rules(draft)).contains("veto.mode.extraction_only");
  }

  @Test
  void shouldAskApprovalForWritesOfOneAgentInConfirmMode() {
    setMode("agent", "agent-test", "confirm");

    JsonNode write = propose("t2", "enable_roaming", "w");
    JsonNode draft = propose("t2", "transfer_to_human_agents", "d");

    assertThat(write.path("verdict").asText()).isEqualTo("require_approval");
    assertThat(rules(write)).contains("veto.mode.confirm");
    assertThat(write.path("approval").path("id").asText()).isNotBlank();
    assertThat(draft.path("verdict").asText()).isEqualTo("allow");
  }

  @Test
  void shouldTellTheAgentWhichModelClassToUse() {
    setMode("task", "t3", "cheaper_model");

    JsonNode decision = propose("t3", "enable_roaming", "w");
    JsonNode otherTask = propose("t3b", "enable_roaming", "w2");

    assertThat(decision.path("verdict").asText()).isEqualTo("allow");
    assertThat(decision.path("mode").path("name").asText()).isEqualTo("cheaper_model");
    assertThat(decision.path("mode").path("meaning").asText()).contains("cheaper model");
    assertThat(otherTask.path("mode").path("name").asText()).isEqualTo("normal");
    setMode("task", "t3c", "heuristics");
    assertThat(rules(propose("t3c", "enable_roaming", "w3"))).contains("veto.mode.heuristics");
  }

  @Test
  void shouldLetARuleTightenTheModeAndRecordIt() {
    ObjectNode proposal = Proposals.of("t-rule", "get_user_details");
    proposal.put("idempotency_key", "k-rule");
    proposal.put("tokens_used", 900_000);

    VetoFixture.Reply first = veto.decide(proposal);
    JsonNode decided = first.json();

    assertThat(decided.path("mode").path("name").asText()).isEqualTo("cheaper_model");
    assertThat(rules(decided)).contains("mode.near_token_budget", "veto.mode.cheaper_model");
    veto.restart();
    VetoFixture.Reply replay = veto.decide(proposal);
    assertThat(replay.replayed()).isEqualTo("true");
    assertThat(replay.body()).isEqualTo(first.body());
    // An operator's stricter mode still wins over the rule's.
    setMode("task", "t-rule", "extraction_only");
    ObjectNode write = Proposals.of("t-rule", "enable_roaming");
    assertThat(veto.decide(write).json().path("mode").path("name").asText())
        .isEqualTo("extraction_only");
  }

  @Test
  void shouldNeverLetANarrowScopeLoosenAWideOne() {
    setMode("global", null, "extraction_only");
    setMode("task", "t4", "cheaper_model");

    assertThat(propose("t4", "enable_roaming", "w").path("mode").path("name").asText())
        .isEqualTo("extraction_only");
  }

  @Test
  void shouldQueueSideEffectsUntilAnOperatorReleasesOrDropsThem() {
    setMode("global", null, "queue");

    JsonNode queued = propose("t5", "enable_roaming", "q1");
    JsonNode dropped = propose("t5", "disable_roaming", "q2");
    assertThat(queued.path("verdict").asText()).isEqualTo("refuse");
    assertThat(rules(queued)).contains("veto.mode.queue");
    String queueId = queued.path("queue").path("id").asText();
    assertThat(veto.get("/v1/queue?status=queued").json().path("items")).hasSize(2);
    assertThat(propose("t5", "get_user_details", "r").path("verdict").asText())
        .isEqualTo("allow");

    assertThat(veto.post("/v1/queue/" + queueId, "{\"action\":\"release\"}").status())
        .isEqualTo(200);
    assertThat(veto.post("/v1/queue/" + dropped.path("queue").path("id").asText(),
        "{\"action\":\"drop\"}").status()).isEqualTo(200);
    veto.restart();

    JsonNode released = propose("t5", "enable_roaming", "q1");
    assertThat(released.path("verdict").asText()).isEqualTo("allow");
    assertThat(propose("t5", "disable_roaming", "q2").path("verdict").asText())
        .isEqualTo("refuse");
    assertThat(veto.get("/v1/queue?status=released").json().path("items")).hasSize(1);
  }

  @Test
  void shouldKeepModesAcrossARestartAndClearThemWithNormal() {
    setMode("global", null, "extraction_only");
    veto.restart();

    JsonNode modes = veto.get("/v1/modes").json().path("items");
    assertThat(modes).hasSize(1);
    assertThat(modes.get(0).path("mode").asText()).isEqualTo("extraction_only");
    assertThat(modes.get(0).path("reason").asText()).isEqualTo("incident drill");

    setMode("global", null, "normal");
    assertThat(propose("t6", "enable_roaming", "w").path("verdict").asText())
        .isEqualTo("allow");
  }

  @Test
  void shouldRejectABadModeRequestNamingTheField() {
    assertThat(setMode("planet", null, "queue").json().path("field").asText())
        .isEqualTo("scope");
    assertThat(setMode("global", null, "panic").json().path("field").asText())
        .isEqualTo("mode");
    assertThat(setMode("task", null, "queue").json().path("field").asText()).isEqualTo("id");
    assertThat(veto.get("/v1/modes").json().path("items")).isEmpty();
  }
}
