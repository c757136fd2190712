package dev.veto.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy that cannot be loaded; lists every problem found, not just the first. */
public final class PolicyException extends Exception {

  /** One problem; line is 1-based, or 0 when the source gives none. */
  public record Problem(String file, int line, String message) {

    @Override
    public String toString() {
      return file + ":" + line + ": " + message;
    }
  }

  private final List<Problem> problems;

  public PolicyException(List<Problem> problems) {
    super(summary(problems));
    this.problems = List.copyOf(problems);
  }

  public PolicyException(Problem problem, Throwable cause) {
    super(summary(List.of(problem)), cause);
    this.problems = List.of(problem);
  }

  public List<Problem> problems() {
    return problems;
  }

  private static String summary(List<Problem> problems) {
    return "policy has " + problems.size() + " problem(s):\n"
        + problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));
  }
}
