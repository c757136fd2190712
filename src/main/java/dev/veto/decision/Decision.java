package dev.veto.decision;

import dev.veto.ledger.Receipt;
import dev.veto.policy.Reason;
import dev.veto.policy.Verdict;
import dev.veto.task.TaskState.Remaining;
import java.util.List;

/**
 * A recorded decision: what Veto answered, why, under which policy, and the ledger receipt that
 * proves it was recorded. It is derived from the ledger entry alone, so a replayed answer after
 * a restart is the same as the first one.
 */
public record Decision(
    String decisionId,
    String taskId,
    Verdict verdict,
    int tier,
    List<Reason> reasons,
    String policyVersion,
    Remaining remaining,
    Receipt receipt) {}
