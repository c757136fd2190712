package dev.veto.policy;

/**
 * What Veto knows around a proposal besides the call and the task's usage: the degrade mode
 * in force and whether the same action may already have run. A fact in phase 2, so rules can
 * read it; its built-in effects (see {@link Evaluator}) apply whatever the rules say.
 *
 * @param probableDuplicate the same tool and arguments were allowed in this task under another
 *     idempotency key, recently, and that action's outcome is unknown: running it again may do
 *     the side effect twice
 */
public record Situation(Mode mode, boolean probableDuplicate) {

  public static final Situation NORMAL = new Situation(Mode.NORMAL, false);

  public Situation {
    if (mode == null) {
      throw new IllegalArgumentException("mode is required");
    }
  }

  /** For rules: {@code Situation( modeName == "confirm" )}. */
  public String getModeName() {
    return mode.wire();
  }

  public Mode getMode() {
    return mode;
  }

  public boolean isProbableDuplicate() {
    return probableDuplicate;
  }
}
