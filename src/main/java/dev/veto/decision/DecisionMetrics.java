package dev.veto.decision;

import dev.veto.policy.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the decision pipeline counts: recorded decisions by verdict and tier, answers replayed
 * under an idempotency key, and every fail-closed refusal by its cause. Counters are created
 * once, so the hot path only increments.
 */
public final class DecisionMetrics {

  private static final int TIERS = 4;

  private final Map<Verdict, Counter[]> decisions = new EnumMap<>(Verdict.class);
  private final Counter replayed;
  private final Counter policyErrors;
  private final Counter deadlines;

  public DecisionMetrics(MeterRegistry registry) {
    for (Verdict verdict : Verdict.values()) {
      Counter[] byTier = new Counter[TIERS];
      for (int tier = 0; tier < TIERS; tier++) {
        byTier[tier] = Counter.builder("veto.decisions")
            .description("decisions recorded in the ledger")
            .tag("verdict", verdict.wire())
            .tag("tier", String.valueOf(tier))
            .register(registry);
      }
      decisions.put(verdict, byTier);
    }
    replayed = Counter.builder("veto.decisions.replayed")
        .description("answers repeated under an idempotency key, nothing charged")
        .register(registry);
    policyErrors = failClosed(registry, DecisionService.POLICY_ERROR);
    deadlines = failClosed(registry, DecisionService.DEADLINE_EXCEEDED);
  }

  private static Counter failClosed(MeterRegistry registry, String cause) {
    return Counter.builder("veto.fail_closed")
        .description("refusals because Veto itself could not decide")
        .tag("cause", cause)
        .register(registry);
  }

  void decided(Verdict verdict, int tier) {
    decisions.get(verdict)[Math.max(0, Math.min(TIERS - 1, tier))].increment();
  }

  void replayed() {
    replayed.increment();
  }

  void failedClosed(String rule) {
    (DecisionService.DEADLINE_EXCEEDED.equals(rule) ? deadlines : policyErrors).increment();
  }
}
