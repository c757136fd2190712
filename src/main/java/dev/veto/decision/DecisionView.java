package dev.veto.decision;

import dev.veto.approval.Approval;

/**
 * A past decision as its agent reads it later: the recorded answer, the state of the
 * approval it opened (if any), its outcome so far, and whether its effect is in doubt.
 */
public record DecisionView(Decision decision, Approval approval, OutcomeStatus outcome,
    boolean inDoubt) {}
