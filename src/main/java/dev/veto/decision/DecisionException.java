package dev.veto.decision;

/**
 * A request the decision service cannot accept because of what the caller sent, as opposed to
 * an internal failure. The HTTP layer maps {@link Kind} to a status code.
 */
public final class DecisionException extends RuntimeException {

  /** Why the request was not accepted. */
  public enum Kind {
    UNKNOWN_DECISION,
    NOT_FOUND,
    ALREADY_SETTLED,
    IDEMPOTENCY_CONFLICT,
    OUTCOME_CONFLICT,
    OUTCOME_NOT_ALLOWED,
    OVERLOADED
  }

  private final Kind kind;
  private final String field;

  public DecisionException(Kind kind, String field, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.field = field;
  }

  public Kind kind() {
    return kind;
  }

  /** The request field the problem is about, or null. */
  public String field() {
    return field;
  }
}
