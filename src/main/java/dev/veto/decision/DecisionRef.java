package dev.veto.decision;

import dev.veto.policy.Verdict;
import java.util.concurrent.CompletableFuture;

/**
 * What Veto keeps in memory of a past decision, kept small (it lives as long as the
 * process): who made it, its verdict, where its entry is, and its outcome. Changed under the
 * task monitor, except that the appender thread publishes a recorded outcome's seq (volatile,
 * seq before clearing the pending future).
 */
final class DecisionRef {
  final String decisionId;
  final String taskId;
  final String agentId;
  final long step;
  final Verdict verdict;
  final int tier;
  final String approvalId;
  volatile long seq;
  OutcomeStatus outcomeStatus;
  long outcomeTokens;
  volatile long outcomeSeq;
  volatile CompletableFuture<OutcomeReceipt> pendingOutcome;

  DecisionRef(String decisionId, String taskId, String agentId, long step, Verdict verdict,
      int tier, String approvalId) {
    this.decisionId = decisionId;
    this.taskId = taskId;
    this.agentId = agentId;
    this.step = step;
    this.verdict = verdict;
    this.tier = tier;
    this.approvalId = approvalId;
  }

  /** An allowed side effect whose outcome was never reported, or reported unknown. */
  boolean inDoubt() {
    return verdict == Verdict.ALLOW && tier >= 1
        && (outcomeStatus == null || outcomeStatus == OutcomeStatus.UNKNOWN);
  }
}
