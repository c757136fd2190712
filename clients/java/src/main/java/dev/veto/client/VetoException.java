package dev.veto.client;

import java.util.List;
import java.util.Map;

/** Anything the guard throws instead of running the tool; the subclasses say why. */
public class VetoException extends RuntimeException {

  private final Map<String, Object> decision;

  VetoException(String message, Map<String, Object> decision, Throwable cause) {
    super(message, cause);
    this.decision = decision;
  }

  /** The decision Veto answered with, or null when there was none. */
  public Map<String, Object> decision() {
    return decision;
  }

  public String decisionId() {
    return decision == null ? null : (String) decision.get("decision_id");
  }

  /** Veto said no, or could not say yes. */
  public static class Refused extends VetoException {
    private final List<Map<String, Object>> reasons;

    Refused(String message, List<Map<String, Object>> reasons, Map<String, Object> decision,
        Throwable cause) {
      super(message, decision, cause);
      this.reasons = reasons == null ? List.of() : reasons;
    }

    /** Each reason is {@code {rule, message}}. */
    public List<Map<String, Object>> reasons() {
      return reasons;
    }

    public List<String> rules() {
      return reasons.stream().map(r -> String.valueOf(r.get("rule"))).toList();
    }
  }

  /** No approver answered in time; calling again with the same key waits again. */
  public static final class ApprovalTimeout extends Refused {
    ApprovalTimeout(String message, List<Map<String, Object>> reasons,
        Map<String, Object> decision) {
      super(message, reasons, decision, null);
    }
  }

  /** Veto could not be reached or could not decide: refused (fail closed). */
  public static final class Unavailable extends Refused {
    Unavailable(String message, Throwable cause) {
      super(message, List.of(Map.of("rule", "veto.unreachable", "message",
          String.valueOf(cause == null ? message : cause.getMessage()))), null, cause);
    }
  }

  /** Allowed before under this key and nobody reported what happened: check first. */
  public static final class InDoubt extends VetoException {
    InDoubt(String message, Map<String, Object> decision) {
      super(message, decision, null);
    }
  }

  /** This key's action already ran and its outcome was reported; use a new key to rerun. */
  public static final class AlreadyDone extends VetoException {
    private final String outcome;

    AlreadyDone(String message, String outcome, Map<String, Object> decision) {
      super(message, decision, null);
      this.outcome = outcome;
    }

    public String outcome() {
      return outcome;
    }
  }

  /** Veto rejected the request itself (bad input, token, conflict): a bug to fix. */
  public static final class ApiError extends VetoException {
    private final int status;
    private final String code;

    ApiError(int status, String code, String message) {
      super(status + " " + code + ": " + message, null, null);
      this.status = status;
      this.code = code;
    }

    public int status() {
      return status;
    }

    public String code() {
      return code;
    }
  }

  /** The tool threw a checked exception; it is the cause. The outcome was reported. */
  public static final class ToolFailed extends VetoException {
    ToolFailed(Exception cause, Map<String, Object> decision) {
      super("the guarded tool failed: " + cause, decision, cause);
    }
  }
}
