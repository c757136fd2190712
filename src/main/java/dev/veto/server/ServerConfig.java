package dev.veto.server;

import dev.veto.decision.LifecycleOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Everything a Veto server needs to start, validated once by the CLI.
 *
 * @param configFile the operator's override of rules/veto.yaml, or null
 * @param fsync false only for benchmarks: an acknowledged decision may then be lost on a crash
 * @param tokenFile the operator's bearer tokens, or null for the open development mode
 * @param edge TLS and the per-agent rate limit (see {@link Edge})
 * @param checkpointInterval how often a signed checkpoint is appended when the ledger grew;
 *     zero turns the timer off (checkpoints then only on POST /v1/ledger/checkpoint)
 * @param snapshotEvery write a snapshot when the ledger has grown by this many entries since
 *     the last one (a start then replays at most about that many); 0 for none
 */
public record ServerConfig(
    Path dataDir,
    Path rulesDir,
    Path configFile,
    String host,
    int port,
    boolean fsync,
    LifecycleOptions lifecycle,
    Path tokenFile,
    Edge edge,
    Duration checkpointInterval,
    long snapshotEvery,
    Clock clock) {

  /** What {@code veto serve} uses when not told otherwise. */
  public static final long DEFAULT_SNAPSHOT_EVERY = 100_000;

  /** What {@code veto serve} uses when not told otherwise. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(1);

  /**
   * What the HTTP edge adds: TLS from PEM files (both null for plain HTTP) and a per-agent
   * limit of decide requests a second (0 for none).
   */
  public record Edge(Path tlsCert, Path tlsKey, int rateLimitPerSecond) {
    public static final Edge PLAIN = new Edge(null, null, 0);
  }
}
