package dev.veto.server;

import dev.veto.auth.TokenFile;
import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import dev.veto.decision.DecisionMetrics;
import dev.veto.decision.DecisionService;
import dev.veto.http.ApiOptions;
import dev.veto.http.ApiServer;
import dev.veto.http.PolicyApi;
import dev.veto.ledger.Checkpointer;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.policy.ActivePolicy;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import dev.veto.policy.reload.PolicyReloader;
import dev.veto.policy.reload.TestedPolicy;
import dev.veto.shadow.ShadowRunner;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.veto.snapshot.Resume;
import dev.veto.snapshot.Snapshots;
import dev.veto.snapshot.Snapshotter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
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

  /** How often the rules folder is polled for changes (a change is loaded one poll later). */
  private static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);

  /**
   * How long a replaced policy stays open: far longer than a decision takes between reading
   * the active policy and starting its evaluation (its whole budget is 2 s).
   */
  private static final Duration RETIRE_GRACE = Duration.ofSeconds(10);

  /** How often the snapshotter looks whether the ledger has grown enough for a snapshot. */
  private static final Duration SNAPSHOT_CHECK = Duration.ofSeconds(5);

  private final Ledger ledger;
  private final Checkpointer checkpointer;
  private final Snapshotter snapshotter;
  private final long resumedFromSeq;
  private final ThreadPoolExecutor evaluator;
  private final Vertx vertx;
  private final ApiServer api;
  private final int port;
  private final PolicyReloader reloader;
  private final ShadowRunner shadow;

  private VetoServer(Ledger ledger, Checkpointer checkpointer, Snapshotter snapshotter,
      long resumedFromSeq, ThreadPoolExecutor evaluator, Vertx vertx, ApiServer api, int port,
      PolicyReloader reloader, ShadowRunner shadow) {
    this.snapshotter = snapshotter;
    this.resumedFromSeq = resumedFromSeq;
    this.reloader = reloader;
    this.shadow = shadow;
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
    // The policy's own test cases run at start-up too: a policy that fails them never serves.
    // Compiling it takes a second or two: it runs while the ledger and snapshot are read.
    FutureTask<Policy> policyLoad = new FutureTask<>(
        () -> TestedPolicy.load(config.rulesDir(), config.configFile()));
    new Thread(policyLoad, "veto-policy-load").start();
    Snapshots snapshots = new Snapshots(config.dataDir(), key);
    Resume.Resumed resumed;
    try {
      resumed = Resume.open(config.dataDir(), key, config.clock(),
          new LedgerOptions(config.fsync(), LedgerOptions.defaults().maxBatch()),
          config.lifecycle(), snapshots);
    } catch (IOException | RuntimeException e) {
      policyLoad.cancel(true);
      throw e;
    }
    Ledger ledger = resumed.ledger();
    long resumedAt = System.nanoTime();
    Policy policy = awaitPolicy(policyLoad, ledger);
    long policyAt = System.nanoTime();
    checkKeyInForce(ledger, config);

    ThreadPoolExecutor evaluator = evaluatorPool();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ledger.observe(new LedgerMetrics(metrics, ledger));
    ActivePolicy active = new ActivePolicy(policy);
    DecisionService decisions = new DecisionService(active, ledger, config.clock(), evaluator,
        config.lifecycle(), new DecisionMetrics(metrics), resumed.projections());
    TokenFile tokens = loadTokens(config);
    long snapshotSeq = snapshotAtStart(config, resumed, snapshots);
    PolicyLoads loads = new PolicyLoads(ledger, resumed.projections().policyLoaded());
    recordStartLoad(loads, policy);

    PolicyReloader reloader = new PolicyReloader(active, config.rulesDir(), config.configFile(),
        config.clock(), RETIRE_GRACE,
        (next, current, trigger) -> loads.record(next, current.version(), trigger));
    reloader.watch(WATCH_INTERVAL);
    registerMeters(metrics, reloader);
    ShadowRunner shadow = new ShadowRunner(metrics, config.clock());
    decisions.shadow(shadow);

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
        Runtime.getRuntime().availableProcessors()));
    ApiServer api = new ApiServer(vertx, decisions, ledger, metrics,
        apiOptions(config), tokens, config.clock(), new PolicyApi(vertx, reloader, shadow));
    int port = await(api);
    // Approvals past their time to live expire as denied, checked every second.
    vertx.setPeriodic(1000, id -> decisions.controls().expireOverdue());
    Checkpointer checkpointer = Checkpointer.start(ledger, config.checkpointInterval());
    Snapshotter snapshotter = Snapshotter.start(ledger, snapshots, config.snapshotEvery(),
        snapshotSeq, SNAPSHOT_CHECK, config.clock(), config.lifecycle());
    Gauge.builder("veto.snapshot.seq", snapshotter, Snapshotter::lastSeq)
        .description("ledger seq of the newest snapshot; a start replays what follows it")
        .register(metrics);
    log.atInfo().setMessage("veto started")
        .addKeyValue("host", config.host()).addKeyValue("port", port)
        .addKeyValue("policy_version", policy.version())
        .addKeyValue("key_id", key.keyId())
        .addKeyValue("public_key", KeyFiles.publicKeyPath(config.dataDir()))
        .addKeyValue("ledger_entries", ledger.lastSeq())
        .addKeyValue("snapshot_seq", resumed.snapshotSeq())
        .addKeyValue("rebuild_ms", (resumedAt - started) / 1_000_000)
        .addKeyValue("policy_wait_ms", (policyAt - resumedAt) / 1_000_000)
        .addKeyValue("fsync", config.fsync())
        .addKeyValue("auth", tokens == null ? "open" : "tokens")
        .addKeyValue("tls", config.edge().tlsCert() != null)
        .addKeyValue("rate_limit_per_s", config.edge().rateLimitPerSecond())
        .addKeyValue("start_ms", (System.nanoTime() - started) / 1_000_000).log();
    return new VetoServer(ledger, checkpointer, snapshotter, resumed.snapshotSeq(), evaluator,
        vertx, api, port, reloader, shadow);
  }

  /**
   * Writes a snapshot now when this start had none and replayed at least snapshotEvery
   * entries: the projections stand exactly at the ledger's end until the server takes
   * requests, so this is the one moment they can be saved as they are. (After a start from a
   * snapshot, the background writer brings it forward instead: the start is not delayed.)
   * Returns the newest snapshot's seq.
   */
  private static long snapshotAtStart(ServerConfig config, Resume.Resumed resumed,
      Snapshots snapshots) {
    Ledger ledger = resumed.ledger();
    if (config.snapshotEvery() <= 0 || resumed.snapshotSeq() > 0
        || ledger.lastSeq() < config.snapshotEvery()) {
      return resumed.snapshotSeq();
    }
    try {
      snapshots.write(ledger.prefixNow(), resumed.projections());
      return ledger.lastSeq();
    } catch (IOException e) {
      log.atWarn().setMessage("snapshot not written at start")
          .addKeyValue("error", String.valueOf(e)).log();
      return resumed.snapshotSeq();
    }
  }

  private static void registerMeters(MeterRegistry metrics, PolicyReloader reloader) {
    // Prometheus keeps one HELP a name, so both results share the description.
    String help = "policy reloads by result: activated (the new version serves) or rejected"
        + " (the old version keeps serving)";
    FunctionCounter.builder("veto.policy.reloads", reloader, PolicyReloader::activations)
        .description(help).tag("result", "activated").register(metrics);
    FunctionCounter.builder("veto.policy.reloads", reloader, PolicyReloader::rejections)
        .description(help).tag("result", "rejected").register(metrics);
  }

  /** The policy loaded beside the ledger; if it fails, the ledger is closed again. */
  private static Policy awaitPolicy(FutureTask<Policy> load, Ledger ledger)
      throws PolicyException, InterruptedException {
    try {
      return load.get();
    } catch (ExecutionException e) {
      ledger.close();
      Throwable cause = e.getCause();
      if (cause instanceof PolicyException policy) {
        throw policy;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      ledger.close();
      throw e;
    }
  }

  /** A policy_loaded entry when this start serves another version than the last recorded. */
  private static void recordStartLoad(PolicyLoads loads, Policy policy)
      throws IOException, InterruptedException {
    String last = loads.lastRecorded();
    if (policy.version().equals(last)) {
      return;
    }
    try {
      loads.record(policy, last, "start").get();
    } catch (ExecutionException e) {
      throw new IOException("cannot record the policy load: " + e.getCause().getMessage(),
          e.getCause());
    }
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

  /** The seq of the snapshot this start read, 0 when it replayed the whole ledger. */
  public long resumedFromSeq() {
    return resumedFromSeq;
  }

  /** The seq of the newest snapshot this server started from or wrote; 0 if none. */
  public long snapshotSeq() {
    return snapshotter.lastSeq();
  }

  /** The number of entries in the ledger. */
  public long ledgerSize() {
    return ledger.lastSeq();
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
    reloader.close();
    shadow.close();
    checkpointer.close();
    evaluator.shutdown();
    snapshotter.closeWithSnapshot();
    ledger.close();
    log.atInfo().setMessage("veto stopped").addKeyValue("port", port).log();
  }
}
