package dev.veto.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.LifecycleOptions;
import dev.veto.json.Json;
import dev.veto.server.ServerConfig;
import dev.veto.server.VetoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * A real Veto (real rules, real ledger with fsync, real HTTP on a free loopback port) in a
 * folder of the test's, with small request helpers. Nothing of Veto's is mocked.
 */
public final class VetoFixture implements AutoCloseable {

  public static final Path RULES = Path.of("rules");

  /**
   * The shipped 50 ms evaluation deadline, overlaid with 5 s unless a test gives its own
   * config: on a loaded CI machine a cold first evaluation can overrun 50 ms and be refused
   * (fail closed, as it should), which would fail tests about something else. Tests of the
   * deadline itself set it (FailClosedTest).
   */
  private static final Path RELAXED_DEADLINE = relaxedDeadline();

  /** A config overlay (a temporary file) that lifts the evaluation deadline to 5 s. */
  public static Path relaxedDeadline() {
    try {
      Path file = Files.createTempFile("veto-test-config", ".yaml");
      file.toFile().deleteOnExit();
      return Files.writeString(file, "evaluation_deadline_ms: 5000\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final ServerConfig config;
  private final HttpClient client = HttpClient.newHttpClient();
  private VetoServer server;

  private VetoFixture(ServerConfig config) {
    this.config = config;
  }

  public static VetoFixture start(Path dataDir) {
    return start(dataDir, RULES, null);
  }

  public static VetoFixture start(Path dataDir, Path rulesDir, Path configFile) {
    return start(dataDir, rulesDir, configFile, Clock.systemUTC());
  }

  /** A Veto whose clock the test controls (budgets, expiry, ledger times). */
  public static VetoFixture start(Path dataDir, Clock clock) {
    return start(dataDir, RULES, null, clock);
  }

  private static VetoFixture start(Path dataDir, Path rulesDir, Path configFile, Clock clock) {
    return builder(dataDir).rules(rulesDir).config(configFile).clock(clock).start();
  }

  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /** For tests that need lifecycle options, tokens or a clock of their own. */
  public static final class Builder {
    private final Path dataDir;
    private Path rulesDir = RULES;
    private Path configFile;
    private Path tokenFile;
    private Clock clock = Clock.systemUTC();
    private LifecycleOptions lifecycle = LifecycleOptions.defaults();
    private long snapshotEvery;
    private ServerConfig.Edge edge = ServerConfig.Edge.PLAIN;

    private Builder(Path dataDir) {
      this.dataDir = dataDir;
    }

    public Builder rules(Path rules) {
      this.rulesDir = rules;
      return this;
    }

    public Builder config(Path file) {
      this.configFile = file;
      return this;
    }

    public Builder tokens(Path file) {
      this.tokenFile = file;
      return this;
    }

    public Builder clock(Clock testClock) {
      this.clock = testClock;
      return this;
    }

    public Builder edge(ServerConfig.Edge httpEdge) {
      this.edge = httpEdge;
      return this;
    }

    /** Snapshot every n entries (0, the default here: never, every start replays all). */
    public Builder snapshotEvery(long n) {
      this.snapshotEvery = n;
      return this;
    }

    public Builder lifecycle(LifecycleOptions options) {
      this.lifecycle = options;
      return this;
    }

    public VetoFixture start() {
      Path config = configFile == null ? RELAXED_DEADLINE : configFile;
      ServerConfig server = new ServerConfig(dataDir, rulesDir, config, "127.0.0.1", 0,
          true, lifecycle, tokenFile, edge, Duration.ZERO, snapshotEvery, clock);
      VetoFixture fixture = new VetoFixture(server);
      fixture.boot();
      return fixture;
    }
  }

  private void boot() {
    try {
      server = VetoServer.start(config);
    } catch (Exception e) {
      throw new IllegalStateException("Veto did not start", e);
    }
  }

  /** Stops the server cleanly and starts a new one on the same folders. */
  public void restart() {
    server.close();
    boot();
  }

  public VetoServer server() {
    return server;
  }

  public Path dataDir() {
    return config.dataDir();
  }

  public int port() {
    return server.port();
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  public Reply post(String path, String body) {
    return post(path, body, "application/json");
  }

  public Reply post(String path, String body, String contentType) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("content-type", contentType);
    }
    return send(request.build());
  }

  /** A POST with a bearer token (or none when token is null). */
  public Reply post(String path, String body, String contentType, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("content-type", contentType);
    }
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  /** A request of any method with a bearer token (or none when token is null). */
  public Reply call(String method, String path, String body, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  public Reply postBytes(String path, byte[] body) {
    return send(HttpRequest.newBuilder(uri(path))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  public Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  public Reply delete(String path) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE().build());
  }

  public Reply decide(ObjectNode proposal) {
    return post("/v1/decide", proposal.toString());
  }

  /** The ledger's last sequence number, as /health reports it. */
  public long ledgerSeq() {
    return get("/health").json().path("ledger_seq").asLong();
  }

  private Reply send(HttpRequest request) {
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body(),
          response.headers().firstValue("idempotent-replayed").orElse(null),
          response.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }

  /** An HTTP reply with its body, and its idempotent-replayed header or null. */
  public record Reply(int status, String body, String replayed,
      java.net.http.HttpHeaders headers) {
    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("reply is not JSON: " + body, e);
      }
    }
  }
}
