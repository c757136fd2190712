package dev.veto.decision;

import dev.veto.ledger.Receipt;
import dev.veto.task.TaskState.Remaining;

/** The answer to an outcome report: recorded, with the task's budgets after it. */
public record OutcomeReceipt(
    String decisionId, OutcomeStatus status, Remaining remaining, Receipt receipt) {}
