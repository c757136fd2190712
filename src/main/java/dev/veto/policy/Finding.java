package dev.veto.policy;

/** One thing a rule said. tier is meaningful only for {@link Kind#TIER}. */
record Finding(Kind kind, String rule, int tier, String message) {

  enum Kind { TIER, REFUSE, REQUIRE_APPROVAL, NOTE }
}
