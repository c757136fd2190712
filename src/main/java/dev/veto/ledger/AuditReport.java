package dev.veto.ledger;

import java.util.List;

/**
 * Everything {@link LedgerVerifier#audit} found.
 *
 * @param ledger the chain: entries verified and the first failure
 * @param blobs payload findings, or null when blobs were not checked
 * @param keys the key periods the verification followed, first key first
 * @param checkpointProblem why the ledger does not contain the auditor's checkpoint, or null
 */
public record AuditReport(VerifyReport ledger, BlobReport blobs, List<KeyChain.KeyPeriod> keys,
                          String checkpointProblem) {

  /** No failure: chain intact, no payload altered, the kept checkpoint contained. */
  public boolean ok() {
    return ledger.ok() && (blobs == null || blobs.altered().isEmpty())
        && checkpointProblem == null;
  }
}
