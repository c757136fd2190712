package dev.veto.decision;

import dev.veto.ledger.Receipt;
import dev.veto.policy.Mode;
import dev.veto.policy.Reason;
import dev.veto.policy.Verdict;
import dev.veto.task.TaskState.Remaining;
import java.util.List;

/**
 * A recorded decision: what Veto answered, why, under which policy and mode, and the ledger
 * receipt that proves it was recorded. It is derived from the ledger entry alone, so a
 * replayed answer after a restart is the same as the first one.
 *
 * @param approval the approval or queue item this decision opened, or null
 * @param replayed true when this answer is a repeat of an earlier decision under the same
 *     idempotency key (nothing was evaluated or charged); not part of the recorded answer
 * @param inDoubt true on a replay of an allowed side effect whose outcome is not known: the
 *     agent must check whether it already happened; not part of the recorded answer
 */
public record Decision(
    String decisionId,
    String taskId,
    Verdict verdict,
    int tier,
    List<Reason> reasons,
    String policyVersion,
    Mode mode,
    Remaining remaining,
    Opened approval,
    Receipt receipt,
    boolean replayed,
    boolean inDoubt) {

  /** An approval or queue item a decision opened: its id, kind and expiry (ISO-8601 or null). */
  public record Opened(String id, String kind, String expiresAt) {}

  Decision withReceipt(Receipt recorded) {
    return new Decision(decisionId, taskId, verdict, tier, reasons, policyVersion, mode,
        remaining, approval, recorded, false, false);
  }

  Decision asReplay(boolean doubt) {
    return new Decision(decisionId, taskId, verdict, tier, reasons, policyVersion, mode,
        remaining, approval, receipt, true, doubt);
  }
}
