package dev.veto.decision;

/** An outcome report, as received on {@code POST /v1/outcomes} and validated. */
public record Outcome(String decisionId, OutcomeStatus status, long tokensUsed) {}
