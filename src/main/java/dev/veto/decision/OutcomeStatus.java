package dev.veto.decision;

import java.util.Locale;
import java.util.Optional;

/** What an agent reports happened after it ran an allowed action. */
public enum OutcomeStatus {
  SUCCEEDED,
  FAILED,
  UNKNOWN;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<OutcomeStatus> fromWire(String text) {
    for (OutcomeStatus status : values()) {
      if (status.wire().equals(text)) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }
}
