package dev.veto.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.json.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.kie.api.KieBase;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionsPool;
import org.kie.api.runtime.rule.AgendaFilter;

/**
 * Evaluates one proposal against a compiled rule base.
 *
 * <p><b>Phases.</b> Phase 1 fires only the rules of agenda group {@value #CLASSIFY}; they add
 * tier findings. Java then fixes the tier: the highest tier found, 3 when no rule classified
 * the tool ({@code veto.unknown_tool}) and 3 when the normalised name is not plain ASCII
 * ({@code veto.lookalike_tool_name}), whatever the rules said. Phase 2 inserts a
 * {@link Classification} and fires the MAIN rules. The phases run in two sessions: Drools
 * falls through from an exhausted agenda group to MAIN within one fireAllRules, and an
 * AgendaFilter that holds MAIN back discards those matches for good, so a single session
 * would either fire MAIN rules before the tier exists or lose them.
 *
 * <p><b>Invariants.</b> Rules only add findings; the verdict is the most restrictive finding
 * (refuse over require_approval over allow) and so does not depend on firing order. No
 * salience is needed or used. Rules in any agenda group other than MAIN and classify are
 * rejected at load time, since they would never fire.
 *
 * <p><b>Facts.</b> ToolCall, TaskUsage, Limits, and the CatalogEntry of the proposed tool
 * when the catalogue lists it. Only that one entry goes in: inserting the whole catalogue
 * (about 60 entries, twice) made an evaluation roughly three times slower.
 *
 * <p><b>Threading.</b> The KieBase is immutable after load and shared. Each evaluation borrows
 * stateful sessions from a {@link KieSessionsPool} (dispose() resets a session and returns it),
 * and owns its {@link Findings}; so evaluate() is safe to call from any number of threads.
 *
 * <p><b>Failure.</b> The {@link Watchdog} halts the firing session at the deadline and the
 * evaluation throws {@link PolicyTimeoutException}; any exception out of a rule becomes a
 * {@link PolicyEvaluationException}. The caller refuses in both cases. A rule stuck inside
 * its own Java code (not re-firing) cannot be halted; the deadline is then noticed only
 * when it returns.
 */
final class Evaluator implements AutoCloseable {

  static final String CLASSIFY = "classify";
  static final String MAIN = "MAIN";
  static final String UNKNOWN_TOOL = "veto.unknown_tool";
  static final String LOOKALIKE_NAME = "veto.lookalike_tool_name";
  static final String PROBABLE_DUPLICATE = "veto.probable_duplicate";

  private static final String FINDINGS_GLOBAL = "findings";
  private static final int WARM_UP_ROUNDS = 50;
  private static final long WARM_UP_DEADLINE_MILLIS = 10_000;

  private static final AgendaFilter CLASSIFY_ONLY = match -> isClassify(match.getRule());
  private static final AgendaFilter DECIDE_ONLY = match -> !isClassify(match.getRule());

  private final KieSessionsPool pool;
  private final PolicyConfig config;
  private final Map<String, CatalogEntry> catalog;
  private final boolean declaresFindings;

  Evaluator(KieBase kieBase, PolicyConfig config) {
    this.config = config;
    this.catalog = config.catalog();
    this.declaresFindings = declaresFindings(kieBase);
    this.pool = kieBase.newKieSessionsPool(2 * Runtime.getRuntime().availableProcessors());
  }

  static boolean isClassify(Rule rule) {
    return CLASSIFY.equals(((RuleImpl) rule).getAgendaGroup());
  }

  static String agendaGroup(Rule rule) {
    return ((RuleImpl) rule).getAgendaGroup();
  }

  Evaluation evaluate(ToolCall call, TaskUsage usage, Situation situation)
      throws PolicyEvaluationException {
    return trace(call, usage, situation, config.deadlineMillis()).evaluation();
  }

  /** The evaluation and every rule that produced a finding, final tier or not. */
  Trace trace(ToolCall call, TaskUsage usage, Situation situation, long deadlineMillis)
      throws PolicyEvaluationException {
    return evaluate(call, usage, situation, deadlineMillis);
  }

  /**
   * Runs a few proposals through every phase before the policy serves, so that class loading
   * and constraint compilation (the first call took over 50 ms when measured) are not paid by
   * a live call that would then be refused for a timeout. Failures are left for real calls
   * to report, with their own inputs.
   */
  void warmUp() {
    ObjectNode args = Json.MAPPER.createObjectNode()
        .put("amount", 1).put("command", "true").put("action", "list").put("id", "x");
    List<ToolCall> samples = List.of(
        ToolCall.of("warm-up", "veto", "get_user_details", args, 1L, "k", 1),
        ToolCall.of("warm-up", "veto", "BankManagerTransferFunds", args, 1L, null, 1),
        ToolCall.of("warm-up", "veto", "frobnicate", null, 1L, "k", 1));
    TaskUsage usage = new TaskUsage(1, 1, 1, 0);
    for (int i = 0; i < WARM_UP_ROUNDS; i++) {
      for (ToolCall call : samples) {
        try {
          evaluate(call, usage, Situation.NORMAL, WARM_UP_DEADLINE_MILLIS);
        } catch (PolicyEvaluationException e) {
          return;
        }
      }
    }
  }

  private Trace evaluate(ToolCall call, TaskUsage usage, Situation situation,
      long deadlineMillis) throws PolicyEvaluationException {
    Findings findings = new Findings();
    Watchdog.Run deadline = Watchdog.start(deadlineMillis);
    try {
      fire(deadline, CLASSIFY_ONLY, findings, call, usage, null, situation);
      int tier = fixTier(call, findings);

      fire(deadline, DECIDE_ONLY, findings, call, usage, new Classification(tier), situation);
      applySituation(tier, situation, findings);
      Evaluation evaluation = Combiner.combine(tier, findings.list());
      return new Trace(evaluation, firedRules(findings));
    } finally {
      deadline.finish();
    }
  }

  /** One phase in one pooled session; classification is null in phase 1. */
  private void fire(Watchdog.Run deadline, AgendaFilter filter, Findings findings,
      ToolCall call, TaskUsage usage, Classification classification, Situation situation)
      throws PolicyEvaluationException {
    KieSession session = pool.newKieSession();
    try {
      insertFacts(session, findings, call, usage, classification);
      if (classification != null) {
        session.insert(situation);
      }
      if (classification == null) {
        session.getAgenda().getAgendaGroup(CLASSIFY).setFocus();
      }

      deadline.enter(session);
      try {
        session.fireAllRules(filter);
      } finally {
        deadline.leave();
      }
    } catch (RuntimeException e) {
      throw new PolicyEvaluationException("a policy rule failed: " + e.getMessage(), e);
    } finally {
      session.dispose();
    }
  }

  private void insertFacts(KieSession session, Findings findings, ToolCall call,
      TaskUsage usage, Classification classification) {
    if (declaresFindings) {
      session.setGlobal(FINDINGS_GLOBAL, findings);
    }
    session.insert(call);
    session.insert(usage);
    session.insert(config.limits());
    CatalogEntry entry = catalog.get(call.getTool());
    if (entry != null) {
      session.insert(entry);
    }
    if (classification != null) {
      session.insert(classification);
    }
  }

  private static Set<String> firedRules(Findings findings) {
    Set<String> fired = new TreeSet<>();
    findings.list().forEach(f -> fired.add(f.rule()));
    return Set.copyOf(fired);
  }

  /** The built-in floor: unknown and look-alike tools are never taken for harmless ones. */
  private static int fixTier(ToolCall call, Findings findings) {
    int tier = findings.list().stream()
        .filter(f -> f.kind() == Finding.Kind.TIER)
        .mapToInt(Finding::tier).max().orElse(-1);
    if (tier < 0) {
      findings.builtIn(new Finding(Finding.Kind.TIER, UNKNOWN_TOOL, 3,
          "no rule or catalogue entry classifies '" + call.getTool()
              + "'; an unknown tool is treated as tier 3"));
      tier = 3;
    }
    if (!call.isAsciiName()) {
      findings.builtIn(new Finding(Finding.Kind.TIER, LOOKALIKE_NAME, 3,
          "tool name '" + call.getRawTool() + "' has characters outside [a-z0-9_.:-] after"
              + " normalisation and may imitate another tool; treated as tier 3"));
      tier = 3;
    }
    return tier;
  }

  /**
   * The built-in effects of the degrade mode and of a probable duplicate, added after the
   * rules so that no rule (or its absence) can weaken them. Tier 1 and above have side
   * effects; tier 2 and above write.
   */
  private static void applySituation(int tier, Situation situation, Findings findings) {
    Mode mode = situation.mode();
    switch (mode) {
      case EXTRACTION_ONLY -> {
        if (tier >= 1) {
          findings.builtIn(new Finding(Finding.Kind.REFUSE, mode.rule(), -1,
              "mode extraction_only: only tier-0 reads are allowed and this is tier " + tier
                  + "; extract what you need and stop, or ask an operator to end the mode"));
        }
      }
      case QUEUE -> {
        if (tier >= 1) {
          findings.builtIn(new Finding(Finding.Kind.REFUSE, mode.rule(), -1,
              "mode queue: this tier-" + tier + " action was queued for an operator instead"
                  + " of run; do not retry it, it runs only if an operator releases it"));
        }
      }
      case CONFIRM -> {
        if (tier >= 2) {
          findings.builtIn(new Finding(Finding.Kind.REQUIRE_APPROVAL, mode.rule(), -1,
              "mode confirm: every write (tier 2 and above) needs a human approval; this is"
                  + " tier " + tier));
        }
      }
      case CHEAPER_MODEL, HEURISTICS -> findings.builtIn(new Finding(Finding.Kind.NOTE,
          mode.rule(), -1, "mode " + mode.wire() + ": " + mode.meaning()));
      case NORMAL -> { }
    }

    if (situation.probableDuplicate() && tier >= 1) {
      findings.builtIn(new Finding(Finding.Kind.REQUIRE_APPROVAL, PROBABLE_DUPLICATE, -1,
          "the same tool and arguments were allowed recently in this task under another"
              + " idempotency key and their outcome is unknown; check whether that action"
              + " already took effect, then a human approval lets this one run"));
    }
  }

  @Override
  public void close() {
    pool.shutdown();
  }

  private static boolean declaresFindings(KieBase kieBase) {
    for (KiePackage pkg : kieBase.getKiePackages()) {
      if (pkg.getGlobalVariables().stream()
          .anyMatch(g -> FINDINGS_GLOBAL.equals(g.getName()))) {
        return true;
      }
    }
    return false;
  }

  /** Most-restrictive-wins combination and a reason order that does not depend on firing. */
  static final class Combiner {

    private static final Comparator<Finding> BY_RULE =
        Comparator.comparing(Finding::rule).thenComparing(Finding::message);

    private Combiner() {}

    static Evaluation combine(int tier, List<Finding> findings) {
      Verdict verdict = Verdict.ALLOW;
      for (Finding f : findings) {
        verdict = Verdict.mostRestrictive(verdict, verdictOf(f));
      }

      Set<Reason> reasons = new LinkedHashSet<>();
      addReasons(reasons, findings, Finding.Kind.REFUSE, -1);
      addReasons(reasons, findings, Finding.Kind.REQUIRE_APPROVAL, -1);
      addReasons(reasons, findings, Finding.Kind.TIER, tier);
      addReasons(reasons, findings, Finding.Kind.NOTE, -1);
      return new Evaluation(verdict, tier, new ArrayList<>(reasons));
    }

    private static Verdict verdictOf(Finding f) {
      return switch (f.kind()) {
        case REFUSE -> Verdict.REFUSE;
        case REQUIRE_APPROVAL -> Verdict.REQUIRE_APPROVAL;
        default -> Verdict.ALLOW;
      };
    }

    /** For tier findings only those that reached the final tier explain it. */
    private static void addReasons(Set<Reason> out, List<Finding> findings, Finding.Kind kind,
        int tier) {
      findings.stream()
          .filter(f -> f.kind() == kind && (kind != Finding.Kind.TIER || f.tier() == tier))
          .sorted(BY_RULE)
          .forEach(f -> out.add(new Reason(f.rule(), f.message())));
    }
  }
}
