package dev.veto.policy.cases;

import dev.veto.policy.Evaluation;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyEvaluationException;
import dev.veto.policy.Reason;
import dev.veto.policy.Trace;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Runs policy test cases against a compiled policy and says which rules none fired. */
public final class CaseRunner {

  private CaseRunner() {}

  public static CaseReport run(Policy policy, List<PolicyCase> cases) {
    List<CaseReport.Failure> failures = new ArrayList<>();
    Set<String> fired = new TreeSet<>();
    for (PolicyCase c : cases) {
      try {
        Trace trace = policy.trace(c.call(), c.usage(), c.situation(),
            Policy.OFFLINE_DEADLINE_MILLIS);
        fired.addAll(trace.firedRules());
        List<String> mismatches = mismatches(c.expected(), trace.evaluation());
        if (!mismatches.isEmpty()) {
          failures.add(new CaseReport.Failure(c, describe(trace.evaluation()), mismatches));
        }
      } catch (PolicyEvaluationException | RuntimeException e) {
        failures.add(new CaseReport.Failure(c, "evaluation failed: " + e.getMessage(),
            List.of("the policy did not answer")));
      }
    }
    Set<String> unfired = new TreeSet<>(policy.ruleNames());
    unfired.removeAll(fired);
    return new CaseReport(cases.size(), failures, List.copyOf(unfired));
  }

  private static List<String> mismatches(PolicyCase.Expected expected, Evaluation actual) {
    List<String> out = new ArrayList<>();
    if (expected.verdict() != null && expected.verdict() != actual.verdict()) {
      out.add("verdict");
    }
    if (expected.tier() != null && expected.tier() != actual.tier()) {
      out.add("tier");
    }
    Set<String> rules = rulesOf(actual);
    if (expected.rules() != null && !expected.rules().equals(rules)) {
      out.add("rules");
    }
    if (expected.rulesInclude() != null && !rules.containsAll(expected.rulesInclude())) {
      out.add("rules_include");
    }
    return out;
  }

  static Set<String> rulesOf(Evaluation evaluation) {
    Set<String> out = new LinkedHashSet<>();
    evaluation.reasons().stream().map(Reason::rule).sorted().forEach(out::add);
    return out;
  }

  static String describe(Evaluation e) {
    return e.verdict().wire() + ", tier " + e.tier() + ", rules " + rulesOf(e);
  }

  static String describe(PolicyCase.Expected e) {
    List<String> parts = new ArrayList<>();
    if (e.verdict() != null) {
      parts.add(e.verdict().wire());
    }
    if (e.tier() != null) {
      parts.add("tier " + e.tier());
    }
    if (e.rules() != null) {
      parts.add("rules " + new TreeSet<>(e.rules()));
    }
    if (e.rulesInclude() != null) {
      parts.add("rules including " + new TreeSet<>(e.rulesInclude()));
    }
    return String.join(", ", parts);
  }
}
