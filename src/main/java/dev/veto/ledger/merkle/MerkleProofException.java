package dev.veto.ledger.merkle;

/**
 * A Merkle inclusion or consistency proof did not verify.
 *
 * <p>Checked on purpose: a caller cannot forget that a proof may be false. It carries what the
 * verifier expected and what it found, so a log line says why without re-running the check.
 */
public final class MerkleProofException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String expected;
  private final String found;

  public MerkleProofException(String what, String expected, String found) {
    super(what + ": expected " + expected + ", found " + found);
    this.expected = expected;
    this.found = found;
  }

  /** What a valid proof would have had. */
  public String expected() {
    return expected;
  }

  /** What this proof had. */
  public String found() {
    return found;
  }
}
