package dev.veto.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What a caller may do; a token carries one or more roles. */
public enum Role {
  /** Proposes actions, reports outcomes, reads its own decisions. */
  AGENT,
  /** Settles approvals. */
  APPROVER,
  /** Sets modes, halts and resets tasks, manages the queue and the policy. */
  OPERATOR,
  /** Reads the ledger, incidents and tasks; changes nothing. */
  AUDITOR;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> fromWire(String wire) {
    return Arrays.stream(values()).filter(r -> r.wire().equals(wire)).findFirst();
  }
}
