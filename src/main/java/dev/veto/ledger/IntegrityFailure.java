package dev.veto.ledger;

/**
 * The first entry that failed verification.
 *
 * @param seq the seq expected at the bad line (one more than the last good entry)
 * @param problem what is wrong, e.g. "expected seq 41, found 43" or "bad signature"
 */
public record IntegrityFailure(long seq, String problem) {}
