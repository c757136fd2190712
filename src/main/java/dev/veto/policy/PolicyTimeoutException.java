package dev.veto.policy;

/** Evaluation overran the policy's deadline and was halted. */
public final class PolicyTimeoutException extends PolicyEvaluationException {

  public PolicyTimeoutException(String message) {
    super(message);
  }
}
