package dev.veto.ledger;

import java.util.Optional;

/**
 * Result of an offline verification: how many entries verified before the first failure (all
 * of them if there is none), and that failure.
 */
public record VerifyReport(long verified, Optional<IntegrityFailure> failure) {

  public boolean ok() {
    return failure.isEmpty();
  }
}
