package dev.veto.policy;

/**
 * What a task has spent before this proposal: calls already decided, tokens, wall-clock time
 * since its first proposal, and failures reported in its current step. JavaBean getters are
 * there for DRL.
 */
public record TaskUsage(long calls, long tokens, long elapsedMillis, int failuresInStep) {

  public long getCalls() {
    return calls;
  }

  public long getTokens() {
    return tokens;
  }

  public long getElapsedMillis() {
    return elapsedMillis;
  }

  public int getFailuresInStep() {
    return failuresInStep;
  }
}
