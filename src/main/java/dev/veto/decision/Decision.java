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
 *
 * @param replayed true when this answer is a repeat of an earlier decision under the same
 *     idempotency key (nothing was evaluated or charged); not part of the recorded answer
 */
public record Decision(
    String decisionId,
    String taskId,
    Verdict verdict,
    int tier,
    List<Reason> reasons,
    String policyVersion,
    Remaining remaining,
    Receipt receipt,
    boolean replayed) {

  Decision withReceipt(Receipt recorded) {
    return new Decision(decisionId, taskId, verdict, tier, reasons, policyVersion, remaining,
        recorded, false);
  }

  Decision asReplay() {
    return new Decision(decisionId, taskId, verdict, tier, reasons, policyVersion, remaining,
        receipt, true);
  }
}
