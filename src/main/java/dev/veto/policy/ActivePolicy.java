package dev.veto.policy;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy that serves decisions now. A decision reads it once and uses that one version
 * from evaluation to record, so a reload can never give an answer that mixes two versions.
 */
public final class ActivePolicy {

  private final AtomicReference<Policy> current;

  public ActivePolicy(Policy initial) {
    this.current = new AtomicReference<>(initial);
  }

  public Policy current() {
    return current.get();
  }

  /** Makes next the active policy and returns the one it replaces. */
  public Policy swap(Policy next) {
    return current.getAndSet(next);
  }
}
