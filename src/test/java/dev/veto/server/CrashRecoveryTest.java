package dev.veto.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.json.Json;
import dev.veto.ledger.LedgerVerifier;
import dev.veto.ledger.VerifyReport;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real Veto process with SIGKILL while it appends under concurrent load, restarts it,
 * and checks that the ledger verifies and holds every decision a client got a reply for, with
 * the verdict the client got.
 */
class CrashRecoveryTest {

  /** More rounds with -Dveto.crash.rounds=N (CI runs the default). */
  private static final int ROUNDS = Integer.getInteger("veto.crash.rounds", 3);
  private static final int CLIENTS = 8;

  @TempDir
  Path data;

  private final Map<String, String> acknowledged = new ConcurrentHashMap<>();

  @Test
  void killDuringAppends_restartRecovers_andEveryAcknowledgedDecisionIsInTheLedger()
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      runLoadThenKill(startVeto());
    }

    startVeto().close();
    VerifyReport report = LedgerVerifier.verify(data,
        KeyFiles.readPublic(KeyFiles.publicKeyPath(data)));
    Map<String, String> ledger = decisionsInLedger();

    assertThat(report.failure()).isEmpty();
    assertThat(acknowledged).isNotEmpty();
    assertThat(ledger).containsAllEntriesOf(acknowledged);
    // The figures a run reports (the CI run and longer ones with -Dveto.crash.rounds=N).
    System.out.printf("crash rounds=%d acknowledged_decisions_checked=%d ledger_entries=%d"
        + " lost=0%n", ROUNDS, acknowledged.size(), report.verified());
  }

  private void runLoadThenKill(VetoProcess veto) throws Exception {
    int port = veto.port();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Thread client = new Thread(() -> sendUntilRefused(port), "crash-test-client-" + i);
      client.start();
      clients.add(client);
    }

    Thread.sleep(ThreadLocalRandom.current().nextLong(300, 1200));
    veto.kill();
    for (Thread client : clients) {
      client.join();
    }
  }

  private void sendUntilRefused(int port) {
    HttpClient client = HttpClient.newHttpClient();
    String[] tools = {"get_user_details", "cancel_reservation", "modify_user_address"};
    for (int i = 0; ; i++) {
      String body = Proposals.of(tools[i % tools.length]).toString();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/v1/decide")).header("content-type", "application/json")
          .timeout(Duration.ofSeconds(5))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      try {
        HttpResponse<String> reply = client.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode json = Json.MAPPER.readTree(reply.body());
        if (reply.statusCode() == 200) {
          acknowledged.put(json.path("decision_id").asText(), json.path("verdict").asText());
        }
      } catch (IOException | InterruptedException e) {
        return;
      }
    }
  }

  private VetoProcess startVeto() throws Exception {
    return VetoProcess.start(data, data.resolveSibling(data.getFileName() + ".log"));
  }

  private Map<String, String> decisionsInLedger() throws IOException {
    Map<String, String> decisions = new HashMap<>();
    for (String line : Files.readAllLines(data.resolve("ledger.jsonl"))) {
      JsonNode entry = Json.MAPPER.readTree(line).path("entry");
      if (entry.path("kind").asText().equals("decision")) {
        JsonNode decision = entry.path("data");
        decisions.put(decision.path("decision_id").asText(), decision.path("verdict").asText());
      }
    }
    return decisions;
  }
}
