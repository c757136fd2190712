package dev.veto.policy;

/**
 * One thing a rule said. tier is meaningful only for {@link Kind#TIER}, mode only for
 * {@link Kind#MODE}.
 */
record Finding(Kind kind, String rule, int tier, String message, Mode mode) {

  enum Kind { TIER, REFUSE, REQUIRE_APPROVAL, NOTE, MODE }

  Finding(Kind kind, String rule, int tier, String message) {
    this(kind, rule, tier, message, null);
  }
}
