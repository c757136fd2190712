package dev.veto.policy;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A degrade mode: how far Veto lets agents act while something is wrong (a model misbehaves,
 * a dependency is down, an incident is open). Declared from the least to the most
 * restrictive: when modes are set at several scopes (everything, an agent, a task) the most
 * restrictive one is in force, so a narrow scope can never loosen a wide one.
 */
public enum Mode {
  NORMAL("act as usual"),
  CHEAPER_MODEL("act as usual, but use the cheaper model class for the next steps"),
  HEURISTICS("act as usual, but prefer the deterministic heuristic path over the model"),
  CONFIRM("every write (tier 2 and above) needs a human approval"),
  QUEUE("side-effecting actions are queued for an operator instead of run; reads go on"),
  EXTRACTION_ONLY("only reads and extraction: every action of tier 1 and above is refused");

  private final String meaning;

  Mode(String meaning) {
    this.meaning = meaning;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The name of the built-in reason this mode adds to a decision it changes. */
  public String rule() {
    return "veto.mode." + wire();
  }

  /** What the mode means for the agent, in words it can act on. */
  public String meaning() {
    return meaning;
  }

  public static Optional<Mode> fromWire(String wire) {
    return Arrays.stream(values()).filter(m -> m.wire().equals(wire)).findFirst();
  }

  public static Mode mostRestrictive(Mode a, Mode b) {
    return a.ordinal() >= b.ordinal() ? a : b;
  }
}
