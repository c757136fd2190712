package dev.veto.cli;

import dev.veto.decision.LifecycleOptions;
import dev.veto.policy.PolicyException;
import java.io.IOException;
import java.nio.file.Files;
import dev.veto.server.ServerConfig;
import dev.veto.server.VetoServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code veto serve}: runs the decision service until it is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Start the decision service (HTTP API, ledger, policy).")
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "8181",
      description = "HTTP port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}; use --tokens before"
          + " listening on other addresses).")
  String host;

  @Option(names = "--data", defaultValue = "data",
      description = "Data folder: signing key and ledger (default ./${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--rules", defaultValue = "rules",
      description = "Rules folder: *.drl and veto.yaml (default ./${DEFAULT-VALUE}).")
  Path rules;

  @Option(names = "--config", description = "Operator's override of the rules' veto.yaml.")
  Path configFile;

  @Option(names = "--no-fsync", negatable = false,
      description = "Do not fsync the ledger (benchmarks only: a crash may lose decisions).")
  boolean noFsync;

  @Option(names = "--idempotency-window", defaultValue = "PT24H",
      description = "How long idempotency keys are remembered, ISO-8601"
          + " (default ${DEFAULT-VALUE}).")
  Duration idempotencyWindow;

  @Option(names = "--tokens",
      description = "Bearer token file (YAML; make entries with `veto token`). Without it"
          + " Veto runs in open development mode: no authentication, every caller has every"
          + " role.")
  Path tokens;

  @Option(names = "--tls-cert", description = "PEM certificate chain: serve HTTPS.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM private key of --tls-cert.")
  Path tlsKey;

  @Option(names = "--rate-limit", defaultValue = "0",
      description = "Decide requests one agent may make per second; beyond it 429 with"
          + " Retry-After (default ${DEFAULT-VALUE}: no limit).")
  int rateLimit;

  @Option(names = "--approval-ttl", defaultValue = "PT15M",
      description = "How long an approval waits before it expires as denied"
          + " (default ${DEFAULT-VALUE}).")
  Duration approvalTtl;

  @Option(names = "--duplicate-window", defaultValue = "PT10M",
      description = "How long an allowed side effect makes the same call under a new key a"
          + " probable duplicate (default ${DEFAULT-VALUE}).")
  Duration duplicateWindow;

  @Option(names = "--breaker-threshold", defaultValue = "5",
      description = "Consecutive failed calls that open a task's breaker"
          + " (default ${DEFAULT-VALUE}).")
  int breakerThreshold;

  @Option(names = "--breaker-cooldown", defaultValue = "PT30S",
      description = "How long an open breaker refuses before a trial call"
          + " (default ${DEFAULT-VALUE}).")
  Duration breakerCooldown;

  @Option(names = "--checkpoint-interval", defaultValue = "PT1M",
      description = "How often a signed checkpoint is appended to the ledger when it grew,"
          + " ISO-8601 (default ${DEFAULT-VALUE}; PT0S: only on POST /v1/ledger/checkpoint).")
  Duration checkpointInterval;

  @Option(names = "--snapshot-every", defaultValue = "100000",
      description = "Write a snapshot of the state when the ledger grew by this many entries,"
          + " so that a start replays at most about that many (default ${DEFAULT-VALUE};"
          + " 0: writes none; a start still reads one already in DATA/snapshots).")
  long snapshotEvery;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(rules)) {
      System.err.println("veto serve: no rules folder at " + rules.toAbsolutePath()
          + " (run from the repository folder, or pass --rules DIR)");
      return Main.EXIT_USAGE;
    }
    if (tokens != null && !Files.isRegularFile(tokens)) {
      System.err.println("veto serve: no token file at " + tokens.toAbsolutePath());
      return Main.EXIT_USAGE;
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      System.err.println("veto serve: --tls-cert and --tls-key go together");
      return Main.EXIT_USAGE;
    }
    if (rateLimit < 0) {
      System.err.println("veto serve: --rate-limit must be 0 (none) or more");
      return Main.EXIT_USAGE;
    }
    if (snapshotEvery < 0) {
      System.err.println("veto serve: --snapshot-every must be 0 (no snapshots) or more");
      return Main.EXIT_USAGE;
    }
    LifecycleOptions lifecycle = new LifecycleOptions(idempotencyWindow, approvalTtl,
        duplicateWindow, breakerThreshold, breakerCooldown, 1);
    ServerConfig config = new ServerConfig(data, rules, configFile, host, port, !noFsync,
        lifecycle, tokens, new ServerConfig.Edge(tlsCert, tlsKey, rateLimit),
        checkpointInterval, snapshotEvery, Clock.systemUTC());
    VetoServer server;
    try {
      server = VetoServer.start(config);
    } catch (PolicyException e) {
      System.err.println("veto serve: the rules in " + rules + " do not load:");
      e.problems().forEach(p ->
          System.err.println("  " + p.file() + ":" + p.line() + ": " + p.message()));
      return Main.EXIT_USAGE;
    } catch (IOException e) {
      // A corrupt ledger, a port in use, a key with loose permissions: the message says
      // which and what to do; a stack trace would only hide it.
      System.err.println("veto serve: " + e.getMessage());
      return Main.EXIT_USAGE;
    }

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "veto-shutdown"));
    stopped.await();
    return 0;
  }
}
