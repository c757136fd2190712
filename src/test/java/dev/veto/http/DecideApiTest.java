package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.VerifyingKey;
import dev.veto.ledger.LedgerVerifier;
import dev.veto.ledger.VerifyReport;
import dev.veto.testing.Proposals;
import dev.veto.testing.TestClock;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end over real HTTP: the default rules, a real ledger, real signatures. */
class DecideApiTest {

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

  @Test
  void readTool_isAllowedAtTierZero_withAReceiptThatVerifiesWithThePublicKey() throws Exception {
    Reply reply = veto.decide(Proposals.of("get_user_details"));

    JsonNode body = reply.json();
    assertThat(reply.status()).isEqualTo(200);
    assertThat(body.path("verdict").asText()).isEqualTo("allow");
    assertThat(body.path("tier").asInt()).isZero();
    assertThat(body.path("decision_id").asText()).isNotBlank();
    assertThat(body.path("policy_version").asText()).startsWith("sha256:");
    assertThat(body.path("budgets").path("remaining").path("tool_calls").asLong())
        .isEqualTo(199);
    assertThat(receiptVerifies(body.path("receipt"))).isTrue();
  }

  @Test
  void irreversibleTool_requiresApproval_andNamesTheRule() {
    Reply reply = veto.decide(Proposals.of("cancel_reservation"));

    JsonNode body = reply.json();
    assertThat(body.path("verdict").asText()).isEqualTo("require_approval");
    assertThat(body.path("tier").asInt()).isEqualTo(3);
    assertThat(body.path("reasons").findValuesAsText("rule")).isNotEmpty()
        .allSatisfy(rule -> assertThat(rule).isNotBlank());
  }

  @Test
  void unknownTool_isTierThree() {
    Reply reply = veto.decide(Proposals.of("frobnicate_the_widget"));

    assertThat(reply.json().path("tier").asInt()).isEqualTo(3);
    assertThat(reply.json().path("verdict").asText()).isEqualTo("require_approval");
    assertThat(reply.json().path("reasons").findValuesAsText("rule"))
        .contains("veto.unknown_tool");
  }

  @Test
  void sideEffectWithoutIdempotencyKey_isRefusedWithAReasonSayingSo() {
    ObjectNode proposal = Proposals.of("modify_user_address");
    proposal.remove("idempotency_key");

    Reply reply = veto.decide(proposal);

    assertThat(reply.json().path("verdict").asText()).isEqualTo("refuse");
    assertThat(reply.json().path("reasons").toString()).containsIgnoringCase("idempotency");
  }

  @Test
  void retryWithSameKey_returnsTheSameAnswerByteForByte_andChargesOnce() {
    ObjectNode proposal = Proposals.of("get_user_details");

    Reply first = veto.decide(proposal);
    Reply retry = veto.decide(proposal);
    Reply next = veto.decide(Proposals.of(proposal.path("task_id").asText(), "get_user_details"));

    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.body()).isEqualTo(first.body());
    assertThat(first.replayed()).isNull();
    assertThat(retry.replayed()).isEqualTo("true");
    assertThat(next.json().path("budgets").path("remaining").path("tool_calls").asLong())
        .isEqualTo(198);
  }

  @Test
  void sameKeyWithDifferentRequest_isAConflictNamingTheKey() {
    ObjectNode proposal = Proposals.of("get_user_details");
    veto.decide(proposal);
    proposal.putObject("args").put("user_id", "someone_else");

    Reply reply = veto.decide(proposal);

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.json().path("field").asText()).isEqualTo("idempotency_key");
  }

  @Test
  void threeFailedOutcomesInOneStep_tripTheBreakerForThatStep() {
    String task = "task-breaker";
    for (int i = 0; i < 3; i++) {
      Reply allowed = veto.decide(Proposals.of(task, "get_user_details"));
      Reply outcome = veto.post("/v1/outcomes", "{\"decision_id\":\""
          + allowed.json().path("decision_id").asText() + "\",\"status\":\"failed\"}");
      assertThat(outcome.status()).isEqualTo(200);
    }

    Reply reply = veto.decide(Proposals.of(task, "get_user_details"));

    assertThat(reply.json().path("verdict").asText()).isEqualTo("refuse");
    assertThat(reply.json().path("budgets").path("remaining").path("failures_in_step").asInt())
        .isZero();
  }

  @Test
  void outcome_isRecordedOnce_andRepeatsAnswerTheSame() {
    Reply allowed = veto.decide(Proposals.of("get_user_details"));
    String body = "{\"decision_id\":\"" + allowed.json().path("decision_id").asText()
        + "\",\"status\":\"succeeded\",\"tokens_used\":120}";

    Reply first = veto.post("/v1/outcomes", body);
    Reply repeat = veto.post("/v1/outcomes", body);
    Reply conflicting = veto.post("/v1/outcomes", body.replace("succeeded", "failed"));
    Reply underReported = veto.post("/v1/outcomes", body.replace("120", "12"));

    assertThat(first.status()).isEqualTo(200);
    assertThat(repeat.body()).isEqualTo(first.body());
    assertThat(conflicting.status()).isEqualTo(409);
    assertThat(underReported.status()).isEqualTo(409);
    assertThat(underReported.json().path("field").asText()).isEqualTo("tokens_used");
    assertThat(first.json().path("budgets").path("remaining").path("tokens").asLong())
        .isEqualTo(1_000_000 - 120);
  }

  @Test
  void outcomeForAnUnknownDecision_is404NamingTheField() {
    Reply reply = veto.post("/v1/outcomes",
        "{\"decision_id\":\"no-such-decision\",\"status\":\"failed\"}");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.json().path("field").asText()).isEqualTo("decision_id");
  }

  @Test
  void restart_keepsBudgetsAndReplaysIdempotentAnswers() {
    ObjectNode proposal = Proposals.of("get_user_details");
    String task = proposal.path("task_id").asText();
    Reply first = veto.decide(proposal);
    veto.decide(Proposals.of(task, "get_user_details"));

    veto.restart();
    Reply replay = veto.decide(proposal);
    Reply next = veto.decide(Proposals.of(task, "get_user_details"));

    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(next.json().path("budgets").path("remaining").path("tool_calls").asLong())
        .isEqualTo(197);
  }

  @Test
  void idempotencyKey_expiresOneWindowAfterFirstUse_alsoAcrossARestart(@TempDir Path other) {
    veto.close();
    TestClock clock = TestClock.at("2026-12-03T10:00:00Z");
    veto = VetoFixture.start(other, clock);
    ObjectNode proposal = Proposals.of("get_user_details");
    veto.decide(proposal);
    proposal.putObject("args").put("user_id", "another");

    clock.advance(Duration.ofHours(23));
    veto.restart();
    Reply withinWindow = veto.decide(proposal);
    clock.advance(Duration.ofHours(2));
    Reply afterWindow = veto.decide(proposal);

    assertThat(withinWindow.status()).isEqualTo(409);
    assertThat(afterWindow.status()).isEqualTo(200);
    assertThat(afterWindow.replayed()).isNull();
  }

  @Test
  void metrics_countDecisionsByVerdictAndTier_andErrorsByCode() {
    veto.decide(Proposals.of("get_user_details"));
    veto.decide(Proposals.of("get_user_details"));
    veto.decide(Proposals.of("cancel_reservation"));
    veto.post("/v1/decide", "{\"task_id\": ");

    String metrics = veto.get("/metrics").body();

    assertThat(metrics)
        .contains("veto_decisions_total{tier=\"0\",verdict=\"allow\"} 2.0")
        .contains("veto_decisions_total{tier=\"3\",verdict=\"require_approval\"} 1.0")
        .contains("veto_http_errors_total{code=\"malformed_json\",status=\"400\"} 1.0")
        .contains("veto_decide_latency_seconds_count 3");
  }

  @Test
  void health_is200WithThePolicyVersion() {
    Reply reply = veto.get("/health");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().path("policy_version").asText()).startsWith("sha256:");
  }

  @Test
  void ledgerWrittenByTheApi_verifiesOffline() throws Exception {
    for (String tool : List.of("get_user_details", "cancel_reservation", "frobnicate")) {
      veto.decide(Proposals.of(tool));
    }
    veto.close();

    VerifyingKey key = KeyFiles.readPublic(KeyFiles.publicKeyPath(data));
    VerifyReport report = LedgerVerifier.verify(data, key);

    assertThat(report.failure()).isEmpty();
    assertThat(report.verified()).isEqualTo(4); // policy_loaded, then 3 decisions
    veto = VetoFixture.start(data);
  }

  private boolean receiptVerifies(JsonNode receipt) throws Exception {
    VerifyingKey key = KeyFiles.readPublic(KeyFiles.publicKeyPath(data));
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    message.write("veto-ledger-v1\n".getBytes(StandardCharsets.US_ASCII));
    message.write(HexFormat.of().parseHex(receipt.path("hash").asText()));
    byte[] signature = Base64.getDecoder().decode(receipt.path("signature").asText());
    return receipt.path("key_id").asText().equals(key.keyId())
        && key.verify(message.toByteArray(), signature)
        && Files.size(data.resolve("ledger.jsonl")) > 0;
  }
}
