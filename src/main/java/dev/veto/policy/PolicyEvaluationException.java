package dev.veto.policy;

/** A rule threw, or evaluation could not finish; the caller must refuse. */
public class PolicyEvaluationException extends Exception {

  public PolicyEvaluationException(String message, Throwable cause) {
    super(message, cause);
  }

  public PolicyEvaluationException(String message) {
    super(message);
  }
}
