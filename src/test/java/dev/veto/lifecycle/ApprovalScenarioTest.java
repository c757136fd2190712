package dev.veto.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.json.Json;
import dev.veto.testing.Proposals;
import dev.veto.testing.TestClock;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Human approvals over HTTP, from the agent's and the approver's side (open mode). */
class ApprovalScenarioTest {

  @TempDir
  Path data;

  private final TestClock clock = TestClock.at("2026-12-03T12:00:00Z");
  private VetoFixture veto;

  @BeforeEach
  void start() {
    veto = VetoFixture.builder(data).clock(clock).start();
  }

  @AfterEach
  void stop() {
    veto.close();
  }

  static ObjectNode transfer(String taskId, String key, int amount) {
    ObjectNode proposal = Proposals.of(taskId, "BankManagerTransferFunds");
    proposal.put("idempotency_key", key);
    proposal.putObject("args").put("amount", amount).put("to", "acct-9");
    return proposal;
  }

  private Reply settle(String approvalId, String decision) {
    return veto.post("/v1/approvals/" + approvalId,
        "{\"decision\":\"" + decision + "\",\"comment\":\"checked with the customer\"}");
  }

  private static List<String> rules(JsonNode decision) {
    List<String> rules = new ArrayList<>();
    decision.path("reasons").forEach(r -> rules.add(r.path("rule").asText()));
    return rules;
  }

  @Test
  void shouldAllowTheApprovedRequestOnceAndNothingElse() {
    Reply first = veto.decide(transfer("t-pay", "pay-1", 100));
    JsonNode asked = first.json();
    assertThat(asked.path("verdict").asText()).isEqualTo("require_approval");
    String approvalId = asked.path("approval").path("id").asText();
    assertThat(approvalId).isNotBlank();
    assertThat(asked.path("approval").path("expires_at").asText())
        .isEqualTo("2026-12-03T12:15:00Z");

    JsonNode pending = veto.get("/v1/approvals?status=pending").json().path("items");
    assertThat(pending).hasSize(1);
    assertThat(pending.get(0).path("args").path("amount").asInt()).isEqualTo(100);
    assertThat(pending.get(0).path("recent_decisions")).hasSize(1);

    // Before anyone answers, a retry is the same answer byte for byte.
    Reply retry = veto.decide(transfer("t-pay", "pay-1", 100));
    assertThat(retry.body()).isEqualTo(first.body());
    assertThat(settle(approvalId, "approve").status()).isEqualTo(200);

    // The approval is bound to the exact request: other arguments, same key, conflict;
    // a new key with other arguments needs an approval of its own.
    assertThat(veto.decide(transfer("t-pay", "pay-1", 1000)).status()).isEqualTo(409);
    JsonNode bigger = veto.decide(transfer("t-pay", "pay-2", 1000)).json();
    assertThat(bigger.path("verdict").asText()).isEqualTo("require_approval");
    assertThat(bigger.path("approval").path("id").asText()).isNotEqualTo(approvalId);

    JsonNode allowed = veto.decide(transfer("t-pay", "pay-1", 100)).json();
    assertThat(allowed.path("verdict").asText()).isEqualTo("allow");
    assertThat(rules(allowed)).first().isEqualTo("veto.approved");
    assertThat(allowed.path("budgets").path("remaining").path("tool_calls").asLong())
        .isEqualTo(199);

    // A retry of the allowed call replays it: the approval is not used twice, no charge.
    Reply again = veto.decide(transfer("t-pay", "pay-1", 100));
    assertThat(again.replayed()).isEqualTo("true");
    assertThat(again.json().path("decision_id").asText())
        .isEqualTo(allowed.path("decision_id").asText());
    assertThat(veto.get("/v1/approvals/" + approvalId).json().path("used").asBoolean())
        .isTrue();
    assertThat(veto.get("/v1/tasks/t-pay").json().path("budgets").path("used")
        .path("tool_calls").asLong()).isEqualTo(1);
  }

  @Test
  void shouldRefuseTheRequestOnceDenied() {
    JsonNode asked = veto.decide(transfer("t-deny", "k", 100)).json();
    String approvalId = asked.path("approval").path("id").asText();

    assertThat(settle(approvalId, "deny").status()).isEqualTo(200);
    JsonNode refused = veto.decide(transfer("t-deny", "k", 100)).json();

    assertThat(refused.path("verdict").asText()).isEqualTo("refuse");
    assertThat(rules(refused)).containsExactly("veto.approval_denied");
    JsonNode view = veto.get("/v1/decisions/" + asked.path("decision_id").asText()).json();
    assertThat(view.path("approval").path("status").asText()).isEqualTo("denied");
    assertThat(view.path("approval").path("settled_by").asText()).isEqualTo("open-mode");
  }

  @Test
  void shouldLetExactlyOneOfTwoRacingApproversWin() throws Exception {
    for (int round = 0; round < 10; round++) {
      String id = veto.decide(transfer("t-race", "race-" + round, 100)).json()
          .path("approval").path("id").asText();
      CountDownLatch go = new CountDownLatch(1);
      CompletableFuture<Reply> approve = CompletableFuture.supplyAsync(() -> {
        await(go);
        return settle(id, "approve");
      });
      CompletableFuture<Reply> deny = CompletableFuture.supplyAsync(() -> {
        await(go);
        return settle(id, "deny");
      });
      go.countDown();

      List<Integer> statuses = List.of(approve.get().status(), deny.get().status());
      assertThat(statuses).containsExactlyInAnyOrder(200, 409);
      Reply loser = approve.get().status() == 409 ? approve.get() : deny.get();
      assertThat(loser.json().path("code").asText()).isEqualTo("already_settled");
    }
  }

  @Test
  void shouldExpireAnUnsettledApprovalAsDenied() {
    JsonNode asked = veto.decide(transfer("t-exp", "k", 100)).json();
    String decisionId = asked.path("decision_id").asText();

    clock.advance(Duration.ofMinutes(16));
    awaitStatus(decisionId, "expired");

    assertThat(settle(asked.path("approval").path("id").asText(), "approve").status())
        .isEqualTo(409);
    JsonNode refused = veto.decide(transfer("t-exp", "k", 100)).json();
    assertThat(rules(refused)).containsExactly("veto.approval_expired");
  }

  @Test
  void shouldKeepAPendingApprovalAcrossARestart() {
    JsonNode asked = veto.decide(transfer("t-restart", "k", 100)).json();
    String approvalId = asked.path("approval").path("id").asText();

    veto.restart();

    JsonNode pending = veto.get("/v1/approvals?status=pending").json().path("items");
    assertThat(pending).extracting(n -> n.path("id").asText()).containsExactly(approvalId);
    assertThat(settle(approvalId, "approve").status()).isEqualTo(200);
    veto.restart();

    assertThat(veto.decide(transfer("t-restart", "k", 100)).json().path("verdict").asText())
        .isEqualTo("allow");
    veto.restart();
    Reply replay = veto.decide(transfer("t-restart", "k", 100));
    assertThat(replay.replayed()).isEqualTo("true");
    assertThat(replay.json().path("verdict").asText()).isEqualTo("allow");
  }

  @Test
  void shouldAnswerAWaitingAgentAsSoonAsTheApprovalIsSettled() throws Exception {
    JsonNode asked = veto.decide(transfer("t-wait", "k", 100)).json();
    String decisionId = asked.path("decision_id").asText();

    CompletableFuture<Reply> waiting = CompletableFuture.supplyAsync(() ->
        veto.get("/v1/decisions/" + decisionId + "?wait=30s"));
    awaitApprovers(asked.path("approval").path("id").asText());
    settle(asked.path("approval").path("id").asText(), "approve");

    JsonNode view = waiting.get().json();
    assertThat(view.path("approval").path("status").asText()).isEqualTo("approved");
    assertThat(view.path("verdict").asText()).isEqualTo("require_approval");
  }

  @Test
  void shouldRejectBadApprovalRequestsNamingTheField() {
    String id = veto.decide(transfer("t-bad", "k", 100)).json()
        .path("approval").path("id").asText();

    Reply wrongWord = veto.post("/v1/approvals/" + id, "{\"decision\":\"yes\"}");
    assertThat(wrongWord.status()).isEqualTo(400);
    assertThat(wrongWord.json().path("field").asText()).isEqualTo("decision");
    Reply extra = veto.post("/v1/approvals/" + id, "{\"decision\":\"approve\",\"x\":1}");
    assertThat(extra.json().path("field").asText()).isEqualTo("x");
    assertThat(veto.post("/v1/approvals/nope", "{\"decision\":\"approve\"}").status())
        .isEqualTo(404);
    Reply badWait = veto.get("/v1/decisions/x?wait=forever");
    assertThat(badWait.status()).isEqualTo(400);
    assertThat(badWait.json().path("field").asText()).isEqualTo("wait");
    assertThat(veto.get("/v1/approvals?status=maybe").json().path("field").asText())
        .isEqualTo("status");
    assertThat(veto.get("/v1/approvals?status=pending").json().path("items")).hasSize(1);
  }

  private void awaitStatus(String decisionId, String status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode view = veto.get("/v1/decisions/" + decisionId).json();
      if (view.path("approval").path("status").asText().equals(status)) {
        return;
      }
      sleep(50);
    }
    throw new AssertionError("approval of " + decisionId + " never became " + status);
  }

  /** Gives the waiting request a moment to be parked; the test passes either way. */
  private void awaitApprovers(String approvalId) {
    assertThat(veto.get("/v1/approvals/" + approvalId).json().path("status").asText())
        .isEqualTo("pending");
    sleep(200);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }
}
