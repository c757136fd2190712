package dev.veto.server;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Everything a Veto server needs to start, validated once by the CLI.
 *
 * @param configFile the operator's override of rules/veto.yaml, or null
 * @param fsync false only for benchmarks: an acknowledged decision may then be lost on a crash
 * @param checkpointInterval how often a signed checkpoint is appended when the ledger grew;
 *     zero turns the timer off (checkpoints then only on POST /v1/ledger/checkpoint)
 */
public record ServerConfig(
    Path dataDir,
    Path rulesDir,
    Path configFile,
    String host,
    int port,
    boolean fsync,
    Duration idempotencyWindow,
    Clock clock,
    Duration checkpointInterval) {

  /** What {@code veto serve} uses when not told otherwise. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(1);

  /** Without a checkpoint timer (tests, tools): checkpoints are made on demand only. */
  public ServerConfig(Path dataDir, Path rulesDir, Path configFile, String host, int port,
      boolean fsync, Duration idempotencyWindow, Clock clock) {
    this(dataDir, rulesDir, configFile, host, port, fsync, idempotencyWindow, clock,
        Duration.ZERO);
  }
}
