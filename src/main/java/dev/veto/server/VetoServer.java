package dev.veto.server;

import dev.veto.auth.TokenFile;
import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import dev.veto.decision.DecisionMetrics;
import dev.veto.decision.DecisionService;
import dev.veto.http.ApiOptions;
import dev.veto.http.ApiServer;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.policy.ActivePolicy;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Veto: signing key, compiled policy, ledger, projections rebuilt from the ledger,
 * and the HTTP API. The API listens only once everything else is ready, so {@code /health}
 * answers 200 only when the policy is compiled and the ledger is open.
 */
public final class VetoServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(VetoServer.class);
  private static final int EVALUATION_QUEUE = 8192;

  private final Ledger ledger;
  private final ThreadPoolExecutor evaluator;
  private final Vertx vertx;
  private final ApiServer api;
  private final int port;

  private VetoServer(Ledger ledger, ThreadPoolExecutor evaluator, Vertx vertx, ApiServer api,
      int port) {
    this.ledger = ledger;
    this.evaluator = evaluator;
    this.vertx = vertx;
    this.api = api;
    this.port = port;
  }

  public static VetoServer start(ServerConfig config)
      throws IOException, PolicyException, InterruptedException {
    long started = System.nanoTime();
    Files.createDirectories(config.dataDir());
    SigningKey key = KeyFiles.loadOrCreate(config.dataDir());
    Policy policy = Policy.load(config.rulesDir(), config.configFile());
    Ledger ledger = Ledger.open(config.dataDir(), key, config.clock(),
        new LedgerOptions(config.fsync(), LedgerOptions.defaults().maxBatch()));

    ThreadPoolExecutor evaluator = evaluatorPool();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DecisionService decisions = new DecisionService(new ActivePolicy(policy), ledger,
        config.clock(), evaluator, config.lifecycle(), new DecisionMetrics(metrics));
    ledger.replay(decisions::restore);
    TokenFile tokens = loadTokens(config);

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
        Runtime.getRuntime().availableProcessors()));
    ApiServer api = new ApiServer(vertx, decisions, ledger, metrics,
        apiOptions(config), tokens, config.clock());
    int port = await(api);
    // Approvals past their time to live expire as denied, checked every second.
    vertx.setPeriodic(1000, id -> decisions.controls().expireOverdue());
    log.atInfo().setMessage("veto started")
        .addKeyValue("host", config.host()).addKeyValue("port", port)
        .addKeyValue("policy_version", policy.version())
        .addKeyValue("key_id", key.keyId())
        .addKeyValue("public_key", KeyFiles.publicKeyPath(config.dataDir()))
        .addKeyValue("ledger_entries", ledger.lastSeq())
        .addKeyValue("fsync", config.fsync())
        .addKeyValue("auth", tokens == null ? "open" : "tokens")
        .addKeyValue("tls", config.edge().tlsCert() != null)
        .addKeyValue("rate_limit_per_s", config.edge().rateLimitPerSecond())
        .addKeyValue("start_ms", (System.nanoTime() - started) / 1_000_000).log();
    return new VetoServer(ledger, evaluator, vertx, api, port);
  }

  private static ApiOptions apiOptions(ServerConfig config) {
    ServerConfig.Edge edge = config.edge();
    return ApiOptions.defaults(config.host(), config.port())
        .withRateLimit(edge.rateLimitPerSecond())
        .withTls(edge.tlsCert(), edge.tlsKey());
  }

  private static TokenFile loadTokens(ServerConfig config) throws IOException {
    if (config.tokenFile() == null) {
      log.atWarn().setMessage("no token file: open development mode, every caller has every"
          + " role and no token is checked; start with --tokens FILE in production").log();
      return null;
    }
    TokenFile tokens = TokenFile.load(config.tokenFile());
    log.atInfo().setMessage("tokens loaded").addKeyValue("file", config.tokenFile())
        .addKeyValue("tokens", tokens.size()).log();
    return tokens;
  }

  private static int await(ApiServer api) throws IOException, InterruptedException {
    try {
      return api.start().toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw new IOException("cannot listen: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /**
   * Rules run here, off the event loop: one thread a core, and a bounded queue so that an
   * overload is refused (503) instead of queueing without end.
   */
  private static ThreadPoolExecutor evaluatorPool() {
    int threads = Runtime.getRuntime().availableProcessors();
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory = runnable -> {
      Thread thread = new Thread(runnable, "veto-evaluator-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
    return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(EVALUATION_QUEUE), factory);
  }

  public int port() {
    return port;
  }

  /** For fault-injection tests: the ledger this server appends to. */
  Ledger ledger() {
    return ledger;
  }

  @Override
  public void close() {
    try {
      api.stop().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.atWarn().setMessage("HTTP server did not stop cleanly")
          .addKeyValue("error", String.valueOf(e)).log();
    }
    evaluator.shutdown();
    ledger.close();
    log.atInfo().setMessage("veto stopped").addKeyValue("port", port).log();
  }
}
