package dev.veto.server;

import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import dev.veto.decision.DecisionMetrics;
import dev.veto.decision.DecisionService;
import dev.veto.http.ApiOptions;
import dev.veto.http.ApiServer;
import dev.veto.ledger.Checkpointer;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import dev.veto.task.TaskRegistry;
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
  private final Checkpointer checkpointer;
  private final ThreadPoolExecutor evaluator;
  private final Vertx vertx;
  private final ApiServer api;
  private final int port;

  private VetoServer(Ledger ledger, Checkpointer checkpointer, ThreadPoolExecutor evaluator,
      Vertx vertx, ApiServer api, int port) {
    this.ledger = ledger;
    this.checkpointer = checkpointer;
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
    checkKeyInForce(ledger, config);

    ThreadPoolExecutor evaluator = evaluatorPool();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DecisionService decisions = new DecisionService(policy, ledger, new TaskRegistry(),
        config.clock(), evaluator, config.idempotencyWindow(), new DecisionMetrics(metrics));
    ledger.replay(decisions::restore);

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
        Runtime.getRuntime().availableProcessors()));
    ApiServer api = new ApiServer(vertx, decisions, ledger, metrics,
        ApiOptions.defaults(config.host(), config.port()));
    int port = await(api);
    Checkpointer checkpointer = Checkpointer.start(ledger, config.checkpointInterval());
    log.atInfo().setMessage("veto started")
        .addKeyValue("host", config.host()).addKeyValue("port", port)
        .addKeyValue("policy_version", policy.version())
        .addKeyValue("key_id", key.keyId())
        .addKeyValue("public_key", KeyFiles.publicKeyPath(config.dataDir()))
        .addKeyValue("ledger_entries", ledger.lastSeq())
        .addKeyValue("fsync", config.fsync())
        .addKeyValue("start_ms", (System.nanoTime() - started) / 1_000_000).log();
    return new VetoServer(ledger, checkpointer, evaluator, vertx, api, port);
  }

  /**
   * The key must be the one the ledger's key chain has in force: signing with any other
   * would make every later entry fail verification. Stops the start with one clear line.
   */
  private static void checkKeyInForce(Ledger ledger, ServerConfig config) throws IOException {
    String inForce = ledger.keys().keyInForce();
    if (inForce == null || inForce.equals(ledger.keyId())) {
      return;
    }
    ledger.close();
    boolean interrupted = Files.exists(config.dataDir().resolve(KeyFiles.KEYS_DIR)
        .resolve(KeyFiles.NEXT_DIR).resolve(KeyFiles.PRIVATE_KEY_FILE));
    throw new IOException("the signing key " + ledger.keyId() + " is not the key in force in"
        + " the ledger (" + inForce + ")" + (interrupted
            ? "; a key rotation was interrupted: run veto keygen --rotate --data "
                + config.dataDir() + " again to finish it"
            : "; restore the right keys/" + KeyFiles.PRIVATE_KEY_FILE));
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
    checkpointer.close();
    evaluator.shutdown();
    ledger.close();
    log.atInfo().setMessage("veto stopped").addKeyValue("port", port).log();
  }
}
