package dev.veto.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.kie.api.runtime.rule.RuleContext;

/**
 * The one way rules speak: the global {@code findings}. Every method takes the rule's
 * {@code kcontext} so each finding names the rule that produced it; a rule cannot forge
 * another rule's name. One instance per evaluation, used by one thread.
 */
public final class Findings {

  private final List<Finding> list = new ArrayList<>();

  /** Phase 1: this tool is at least this tier (0 read, 1 draft, 2 reversible, 3 risky). */
  public void tier(RuleContext kcontext, int tier, String message) {
    if (tier < 0 || tier > 3) {
      throw new IllegalArgumentException("tier must be 0..3, rule gave " + tier);
    }
    add(new Finding(Finding.Kind.TIER, ruleOf(kcontext), tier, message));
  }

  public void refuse(RuleContext kcontext, String message) {
    add(new Finding(Finding.Kind.REFUSE, ruleOf(kcontext), -1, message));
  }

  public void requireApproval(RuleContext kcontext, String message) {
    add(new Finding(Finding.Kind.REQUIRE_APPROVAL, ruleOf(kcontext), -1, message));
  }

  /**
   * Sets a degrade mode for this decision (normal, cheaper_model, heuristics, confirm, queue,
   * extraction_only): it applies when it is stricter than the mode an operator set, with the
   * same built-in effects, and the decision tells the agent.
   */
  public void mode(RuleContext kcontext, String mode, String message) {
    Mode parsed = Mode.fromWire(mode).orElseThrow(() -> new IllegalArgumentException(
        "unknown mode '" + mode + "' from rule " + ruleOf(kcontext)));
    add(new Finding(Finding.Kind.MODE, ruleOf(kcontext), -1, message, parsed));
  }

  /** Explains without changing the verdict. */
  public void note(RuleContext kcontext, String message) {
    add(new Finding(Finding.Kind.NOTE, ruleOf(kcontext), -1, message));
  }

  /** Used by Veto itself for the built-in veto.* reasons. */
  void builtIn(Finding finding) {
    add(finding);
  }

  List<Finding> list() {
    return list;
  }

  private void add(Finding finding) {
    Objects.requireNonNull(finding.message(), "finding message");
    list.add(finding);
  }

  private static String ruleOf(RuleContext kcontext) {
    return Objects.requireNonNull(kcontext, "pass kcontext").getRule().getName();
  }
}
