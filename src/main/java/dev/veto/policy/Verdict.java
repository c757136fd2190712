package dev.veto.policy;

/** What Veto answers; declared from least to most restrictive, so ordinal order is severity. */
public enum Verdict {
  ALLOW("allow"),
  REQUIRE_APPROVAL("require_approval"),
  REFUSE("refuse");

  private final String wire;

  Verdict(String wire) {
    this.wire = wire;
  }

  /** The snake_case name used on the wire and in the ledger. */
  public String wire() {
    return wire;
  }

  public static Verdict mostRestrictive(Verdict a, Verdict b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
