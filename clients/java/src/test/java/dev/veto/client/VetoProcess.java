package dev.veto.client;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The real Veto jar on a free loopback port, with a temp data folder and tokens. */
final class VetoProcess implements AutoCloseable {

  private final Path jar = Path.of(System.getProperty("veto.jar", "../../target/veto.jar"));
  private final Path rules = Path.of(System.getProperty("veto.rules", "../../rules"));
  private final Path folder;
  private final Map<String, String> tokens = new HashMap<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final Process process;
  final String url;

  VetoProcess() throws Exception {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build the server first");
    }
    folder = Files.createTempDirectory("veto-java-");
    token("agent-1", "agent", "agent-1");
    token("alice", "approver", null);
    int port = freePort();
    url = "http://127.0.0.1:" + port;
    process = new ProcessBuilder("java", "-XX:+UseSerialGC", "-jar", jar.toString(), "serve",
        "--port", String.valueOf(port), "--data", folder.resolve("data").toString(),
        "--rules", rules.toString(), "--tokens", folder.resolve("tokens.yaml").toString())
        .redirectErrorStream(true)
        .redirectOutput(folder.resolve("veto.log").toFile())
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("veto exited: "
            + Files.readString(folder.resolve("veto.log")));
      }
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("veto did not start in 60 s");
      }
      Thread.sleep(200);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void token(String name, String role, String agentId) throws Exception {
    var command = new java.util.ArrayList<>(java.util.List.of("java", "-jar", jar.toString(),
        "token", "--file", folder.resolve("tokens.yaml").toString(), "--name", name,
        "--role", role));
    if (agentId != null) {
      command.addAll(java.util.List.of("--agent-id", agentId));
    }
    Process p = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("veto token failed");
    }
    tokens.put(name, out.trim().split("\\s+")[0]);
  }

  String token(String name) {
    return tokens.get(name);
  }

  Map<String, Object> call(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
        .header("authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    return Json.object(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    process.waitFor();
    try (var files = Files.walk(folder)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
