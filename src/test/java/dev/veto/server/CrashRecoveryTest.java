package dev.veto.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.json.Json;
import dev.veto.ledger.LedgerVerifier;
import dev.veto.ledger.VerifyReport;
import dev.veto.testing.Proposals;
import java.io.IOException;
import java.net.ServerSocket;
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

  private static final int ROUNDS = 3;
  private static final int CLIENTS = 8;

  @TempDir
  Path data;

  private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
  private final Map<Process, Integer> ports = new HashMap<>();

  @Test
  void killDuringAppends_restartRecovers_andEveryAcknowledgedDecisionIsInTheLedger()
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Process veto = startVeto();
      runLoadThenKill(veto);
    }

    Process veto = startVeto();
    veto.destroy();
    veto.waitFor();
    VerifyReport report = LedgerVerifier.verify(data,
        KeyFiles.readPublic(KeyFiles.publicKeyPath(data)));
    Map<String, String> ledger = decisionsInLedger();

    assertThat(report.failure()).isEmpty();
    assertThat(acknowledged).isNotEmpty();
    assertThat(ledger).containsAllEntriesOf(acknowledged);
  }

  private void runLoadThenKill(Process veto) throws Exception {
    int port = portOf(veto);
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Thread client = new Thread(() -> sendUntilRefused(port), "crash-test-client-" + i);
      client.start();
      clients.add(client);
    }

    Thread.sleep(ThreadLocalRandom.current().nextLong(300, 1200));
    veto.destroyForcibly();
    veto.waitFor();
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

  private Process startVeto() throws Exception {
    int port = freePort();
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "dev.veto.cli.Main", "serve", "--port", String.valueOf(port),
        "--data", data.toString(), "--rules", "rules");
    builder.redirectErrorStream(true);
    builder.redirectOutput(data.resolveSibling(data.getFileName() + ".log").toFile());
    Process process = builder.start();
    ports.put(process, port);
    awaitHealthy(process, port);
    return process;
  }

  private int portOf(Process process) {
    return ports.get(process);
  }

  private static void awaitHealthy(Process process, int port) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/health")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive()).as("veto process exited during start").isTrue();
      try {
        if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("veto did not become healthy on port " + port);
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

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
