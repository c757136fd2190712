package dev.veto.server;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Everything a Veto server needs to start, validated once by the CLI.
 *
 * @param configFile the operator's override of rules/veto.yaml, or null
 * @param fsync false only for benchmarks: an acknowledged decision may then be lost on a crash
 */
public record ServerConfig(
    Path dataDir,
    Path rulesDir,
    Path configFile,
    String host,
    int port,
    boolean fsync,
    Duration idempotencyWindow,
    Clock clock) {}
