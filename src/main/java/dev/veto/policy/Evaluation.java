package dev.veto.policy;

import java.util.List;

/**
 * The outcome of one evaluation: the combined verdict, the tier fixed in phase 1, and the
 * reasons (refusals first, then approvals, then the classification, then notes).
 */
public record Evaluation(Verdict verdict, int tier, List<Reason> reasons) {

  public Evaluation {
    reasons = List.copyOf(reasons);
  }
}
