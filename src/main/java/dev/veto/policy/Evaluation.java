package dev.veto.policy;

import java.util.List;

/**
 * The outcome of one evaluation: the combined verdict, the tier fixed in phase 1, the reasons
 * (refusals first, then approvals, then the classification, then notes), and the degrade mode
 * in force for this decision (the situation's, or a stricter one a rule set).
 */
public record Evaluation(Verdict verdict, int tier, List<Reason> reasons, Mode mode) {

  public Evaluation {
    reasons = List.copyOf(reasons);
  }

  /** An answer Veto gave itself (a refusal before or without the rules): no mode of its own. */
  public Evaluation(Verdict verdict, int tier, List<Reason> reasons) {
    this(verdict, tier, reasons, null);
  }
}
