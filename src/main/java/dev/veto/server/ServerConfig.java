package dev.veto.server;

import dev.veto.decision.LifecycleOptions;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Everything a Veto server needs to start, validated once by the CLI.
 *
 * @param configFile the operator's override of rules/veto.yaml, or null
 * @param fsync false only for benchmarks: an acknowledged decision may then be lost on a crash
 * @param tokenFile the operator's bearer tokens, or null for the open development mode
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
    Clock clock) {}
