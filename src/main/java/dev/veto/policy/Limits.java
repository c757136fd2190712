package dev.veto.policy;

/**
 * Per-task budgets from the policy config. The JavaBean getters exist for DRL, whose
 * property syntax ({@code Limits(maxCalls <= $calls)}) looks for them.
 */
public record Limits(long maxCalls, long maxTokens, long maxWallClockMillis,
    int maxFailuresPerStep) {

  public long getMaxCalls() {
    return maxCalls;
  }

  public long getMaxTokens() {
    return maxTokens;
  }

  public long getMaxWallClockMillis() {
    return maxWallClockMillis;
  }

  public int getMaxFailuresPerStep() {
    return maxFailuresPerStep;
  }
}
