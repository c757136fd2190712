package dev.veto.policy;

import java.util.Set;

/**
 * An evaluation with the names of every rule (and built-in reason) that produced a finding,
 * including tier findings below the final tier that the reasons leave out. Policy tests use
 * it to report rules that no case ever fires.
 */
public record Trace(Evaluation evaluation, Set<String> firedRules) {

  public Trace {
    firedRules = Set.copyOf(firedRules);
  }
}
