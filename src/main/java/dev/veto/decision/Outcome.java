package dev.veto.decision;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An outcome report, as received on {@code POST /v1/outcomes} and validated.
 *
 * @param response the tool's raw response, kept as a payload blob, or null
 */
public record Outcome(String decisionId, OutcomeStatus status, long tokensUsed,
                      ObjectNode response) {

  public Outcome(String decisionId, OutcomeStatus status, long tokensUsed) {
    this(decisionId, status, tokensUsed, null);
  }
}
