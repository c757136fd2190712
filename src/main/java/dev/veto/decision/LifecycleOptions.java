package dev.veto.decision;

import java.time.Duration;

/**
 * How long keys, approvals and duplicates are remembered, and when a task's breaker opens.
 *
 * @param idempotencyWindow how long a key answers with its first decision
 * @param approvalTtl how long an approval waits for a person before it expires as denied
 * @param duplicateWindow how long an allowed side effect makes the same call under a new key
 *     a probable duplicate
 * @param breakerThreshold consecutive failed outcomes that open a task's breaker
 * @param breakerCooldown how long an open breaker refuses before it lets trials through
 * @param breakerTrials how many calls a half-open breaker allows before it decides
 */
public record LifecycleOptions(
    Duration idempotencyWindow,
    Duration approvalTtl,
    Duration duplicateWindow,
    int breakerThreshold,
    Duration breakerCooldown,
    int breakerTrials) {

  public static LifecycleOptions defaults() {
    return new LifecycleOptions(Duration.ofHours(24), Duration.ofMinutes(15),
        Duration.ofMinutes(10), 5, Duration.ofSeconds(30), 1);
  }

  public LifecycleOptions withIdempotencyWindow(Duration window) {
    return new LifecycleOptions(window, approvalTtl, duplicateWindow, breakerThreshold,
        breakerCooldown, breakerTrials);
  }
}
