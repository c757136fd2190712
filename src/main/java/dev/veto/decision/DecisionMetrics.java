package dev.veto.decision;

import dev.veto.policy.Verdict;
import dev.veto.policy.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What the decision pipeline counts: recorded decisions by verdict and tier, answers replayed
 * under an idempotency key, and every fail-closed refusal by its cause. Counters are created
 * once, so the hot path only increments.
 */
public final class DecisionMetrics {

  private static final int TIERS = 4;

  private final Map<Verdict, Counter[]> decisions = new EnumMap<>(Verdict.class);
  private final Counter replayed;
  private final Counter inDoubt;
  private final MeterRegistry registry;
  private final Map<String, Counter> byRule = new ConcurrentHashMap<>();
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
    inDoubt = Counter.builder("veto.decisions.in_doubt")
        .description("retries of an allowed side effect whose outcome is unknown")
        .register(registry);
    this.registry = registry;
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

  void inDoubt() {
    inDoubt.increment();
  }

  /**
   * Each reason of a recorded decision, by rule: budget and breaker refusals, approvals,
   * modes. Rule names come from the policy and Veto's built-ins, a bounded set.
   */
  void reasons(List<Reason> reasons) {
    for (Reason reason : reasons) {
      byRule.computeIfAbsent(reason.rule(), rule -> Counter.builder("veto.decisions.reasons")
          .description("reasons given in recorded decisions, by rule")
          .tag("rule", rule)
          .register(registry)).increment();
    }
  }

  /** A gauge read at scrape time. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description)
        .register(registry);
  }

  /** What each lifecycle counter means (its Prometheus HELP); one a name. */
  private static final Map<String, String> EVENTS = Map.of(
      "veto.incidents", "incident reports written, by trigger (a breaker, a halt, a budget)",
      "veto.breaker.transitions", "circuit breaker state changes, by the state entered",
      "veto.approvals.settled", "approvals and queued actions settled, by status");

  /** Counts a lifecycle event: an incident, a breaker move, a settled approval. */
  public void event(String name, String tag, String value) {
    String help = EVENTS.get(name);
    if (help == null) {
      throw new IllegalArgumentException("no description for counter " + name);
    }
    Counter.builder(name).description(help).tag(tag, value).register(registry).increment();
  }

  void failedClosed(String rule) {
    (DecisionService.DEADLINE_EXCEEDED.equals(rule) ? deadlines : policyErrors).increment();
  }
}
