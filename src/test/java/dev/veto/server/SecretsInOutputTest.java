package dev.veto.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.auth.Role;
import dev.veto.auth.TokenFile;
import dev.veto.crypto.KeyFiles;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens, the private key and raw payloads never reach the log, an error body or the metrics:
 * a real process is driven through good and bad requests, then everything it said is searched.
 */
class SecretsInOutputTest {

  private static final String PAYLOAD_MARKER = "card-4111-1111-1111-1111";

  @TempDir
  Path folder;

  private final HttpClient client = HttpClient.newHttpClient();
  private final List<String> answers = new ArrayList<>();

  @Test
  void shouldNeverPrintATokenThePrivateKeyOrAPayload() throws Exception {
    Path tokens = folder.resolve("tokens.yaml");
    String agent = TokenFile.newToken();
    String approver = TokenFile.newToken();
    TokenFile.append(tokens, "bot", Set.of(Role.AGENT), "agent-test", null, agent);
    TokenFile.append(tokens, "alice", Set.of(Role.APPROVER), null, null, approver);
    String wrong = TokenFile.newToken();
    Path data = folder.resolve("data");
    Path log = folder.resolve("veto.log");

    String metrics;
    try (VetoProcess veto = VetoProcess.start(data, log, "--tokens", tokens.toString())) {
      drive(veto.port(), agent, approver, wrong);
      metrics = send(veto.port(), "GET", "/metrics", null, null);
    }

    // The approver is shown the arguments on purpose; logs and metrics never hold them.
    String logAndMetrics = Files.readString(log) + metrics;
    assertThat(logAndMetrics).doesNotContain(PAYLOAD_MARKER);
    String everything = logAndMetrics + String.join("\n", answers);
    String privateKey = Files.readString(data.resolve("keys")
        .resolve(KeyFiles.PRIVATE_KEY_FILE));
    assertThat(everything).contains("veto started").contains("unauthenticated");
    assertThat(everything).doesNotContain(agent).doesNotContain(approver)
        .doesNotContain(wrong);
    for (String line : privateKey.split("\n")) {
      if (!line.startsWith("-----")) {
        assertThat(everything).doesNotContain(line);
      }
    }
  }

  private void drive(int port, String agent, String approver, String wrong) throws Exception {
    var proposal = Proposals.of("t-secret", "BankManagerTransferFunds");
    proposal.putObject("args").put("card", PAYLOAD_MARKER).put("amount", 5);
    String body = proposal.toString();
    String decided = send(port, "POST", "/v1/decide", body, agent);
    answers.add(decided);
    String approval = decided.replaceAll(".*\"approval\":\\{\"id\":\"([^\"]+)\".*", "$1");

    answers.add(send(port, "POST", "/v1/decide", body, wrong));
    answers.add(send(port, "POST", "/v1/decide", body, approver));
    answers.add(send(port, "POST", "/v1/decide", "{\"task_id\": " + agent, agent));
    answers.add(send(port, "POST", "/v1/approvals/" + approval,
        "{\"decision\":\"approve\",\"comment\":\"ok\"}", agent));
    answers.add(send(port, "POST", "/v1/approvals/" + approval,
        "{\"decision\":\"approve\",\"comment\":\"ok\"}", approver));
    answers.add(send(port, "POST", "/v1/approvals/" + approval, "{\"decision\":\"approve\"}",
        approver));
    answers.add(send(port, "GET", "/v1/decisions/" + approval, null, agent));
    answers.add(send(port, "GET", "/v1/approvals?status=pending", null, wrong));
  }

  private String send(int port, String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + path)).method(method, body == null
            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    HttpResponse<String> reply = client.send(request.build(),
        HttpResponse.BodyHandlers.ofString());
    return reply.statusCode() + " " + reply.headers().map() + " " + reply.body();
  }
}
