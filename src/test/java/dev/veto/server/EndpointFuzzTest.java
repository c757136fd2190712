package dev.veto.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.ledger.LedgerVerifier;
import dev.veto.testing.BodyMutator;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten thousand generated bodies to every endpoint that takes one (set -Dveto.fuzz.bodies=N for
 * more): each a valid body broken in one random way. Never a 5xx, never a hang, always a JSON
 * answer, and a rejected body never adds a ledger entry; afterwards the server still answers
 * correctly and the ledger verifies. The seed is fixed, so a failure names a reproducible case.
 */
class EndpointFuzzTest {

  private static final int BODIES = Integer.getInteger("veto.fuzz.bodies", 10_000);
  private static final long SEED = 20261203L;

  @TempDir
  Path data;

  private final HttpClient client = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void shouldRejectEveryBrokenBodyCleanlyOnEveryEndpoint() throws Exception {
    Path config = data.resolveSibling(data.getFileName() + "-budgets.yaml");
    // Budgets that never trip, so the only entries are the ones a request asked for.
    Files.writeString(config, "budgets:\n  max_tool_calls: 1000000000\n"
        + "  max_tokens: 1000000000000000\n  max_wall_clock: 1000d\n");
    try (VetoFixture veto = VetoFixture.builder(data).config(config).start()) {
      Map<String, String> endpoints = endpoints(veto);
      Random random = new Random(SEED);
      int cases = 0;
      for (Map.Entry<String, String> endpoint : endpoints.entrySet()) {
        for (int i = 0; i < BODIES; i++) {
          String valid = endpoint.getValue().replace("KEY", "k-" + i);
          fuzzOnce(veto, endpoint.getKey(), BodyMutator.mutate(valid, random), cases++);
        }
      }

      stillServes(veto);
    }
  }

  /** Path to a valid body of each endpoint that takes one; KEY is replaced per case. */
  private Map<String, String> endpoints(VetoFixture veto) {
    JsonNode allowed = veto.decide(Proposals.of("t-fuzz", "enable_roaming")).json();
    var transfer = Proposals.of("t-fuzz", "BankManagerTransferFunds");
    transfer.putObject("args").put("amount", 10);
    String approval = veto.decide(transfer).json().path("approval").path("id").asText();
    veto.post("/v1/modes", "{\"scope\":\"task\",\"id\":\"t-queue\",\"mode\":\"queue\"}");
    String queued = veto.decide(Proposals.of("t-queue", "enable_roaming")).json()
        .path("queue").path("id").asText();

    Map<String, String> endpoints = new LinkedHashMap<>();
    endpoints.put("/v1/decide", "{\"task_id\":\"t-1\",\"agent_id\":\"a\",\"tool\":"
        + "\"modify_user_address\",\"args\":{\"user_id\":\"u1\",\"address\":{\"zip\":"
        + "\"10001\"},\"amount\":12.5,\"tags\":[1,2,3]},\"step\":3,\"idempotency_key\":"
        + "\"KEY\",\"tokens_used\":40}");
    endpoints.put("/v1/outcomes", "{\"decision_id\":\"" + allowed.path("decision_id").asText()
        + "\",\"status\":\"succeeded\",\"tokens_used\":12}");
    endpoints.put("/v1/approvals/" + approval, "{\"decision\":\"deny\",\"comment\":\"KEY\"}");
    endpoints.put("/v1/queue/" + queued, "{\"action\":\"drop\",\"comment\":\"KEY\"}");
    endpoints.put("/v1/modes", "{\"scope\":\"agent\",\"id\":\"KEY\",\"mode\":\"confirm\","
        + "\"reason\":\"drill\"}");
    endpoints.put("/v1/tasks/t-halt/halt", "{\"reason\":\"KEY\"}");
    endpoints.put("/v1/tasks/t-halt/reset", "{\"reason\":\"KEY\"}");
    return endpoints;
  }

  private void fuzzOnce(VetoFixture veto, String path, byte[] body, int caseNumber)
      throws Exception {
    long before = veto.server().ledger().lastSeq();
    HttpRequest request = HttpRequest.newBuilder(veto.uri(path))
        .timeout(Duration.ofSeconds(10))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();

    HttpResponse<String> reply = client.send(request, HttpResponse.BodyHandlers.ofString());

    String what = "case " + caseNumber + " " + path + ": "
        + abbreviate(new String(body, StandardCharsets.UTF_8));
    assertThat(reply.statusCode()).as(what).isBetween(200, 499);
    JsonNode json = dev.veto.json.Json.MAPPER.readTree(reply.body());
    assertThat(json.isObject()).as(what).isTrue();
    if (reply.statusCode() >= 300) {
      assertThat(json.path("code").asText()).as(what).isNotBlank();
      assertThat(veto.server().ledger().lastSeq()).as(what).isEqualTo(before);
    }
  }

  private void stillServes(VetoFixture veto) throws Exception {
    veto.post("/v1/modes", "{\"scope\":\"global\",\"mode\":\"normal\"}");
    Reply decided = veto.decide(Proposals.of("t-after", "get_user_details"));
    assertThat(decided.status()).isEqualTo(200);
    assertThat(decided.json().path("verdict").asText()).isEqualTo("allow");
    assertThat(veto.get("/health").status()).isEqualTo(200);
    assertThat(LedgerVerifier.verify(veto.dataDir(),
        KeyFiles.readPublic(KeyFiles.publicKeyPath(veto.dataDir()))).failure()).isEmpty();
  }

  private static String abbreviate(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "…(" + text.length() + " chars)"
        : text;
  }

}
