package dev.veto.policy.cases;

import java.util.List;

/**
 * The outcome of a policy test run: how many cases ran, those that failed (expected and
 * actual), and the rules that no case fired.
 */
public record CaseReport(int cases, List<Failure> failures, List<String> unfiredRules) {

  /** One failing case with what it expected, what the policy said, and which parts differ. */
  public record Failure(PolicyCase testCase, String actual, List<String> mismatches) {

    public String expected() {
      return CaseRunner.describe(testCase.expected());
    }
  }

  public CaseReport {
    failures = List.copyOf(failures);
    unfiredRules = List.copyOf(unfiredRules);
  }

  public boolean passed() {
    return failures.isEmpty();
  }

  /** One line per failure, for logs and the reload status. */
  public String summary() {
    StringBuilder out = new StringBuilder();
    out.append(cases - failures.size()).append(" of ").append(cases).append(" cases passed");
    for (Failure f : failures) {
      out.append("; ").append(f.testCase().source()).append(" '").append(f.testCase().name())
          .append("': expected ").append(f.expected()).append(", got ").append(f.actual());
    }
    return out.toString();
  }

  /** The readable report of {@code veto test}. */
  public String render() {
    StringBuilder out = new StringBuilder();
    for (Failure f : failures) {
      out.append("FAIL ").append(f.testCase().source()).append(": ")
          .append(f.testCase().name()).append('\n')
          .append("  expected: ").append(f.expected()).append('\n')
          .append("  actual:   ").append(f.actual()).append('\n')
          .append("  differs in: ").append(String.join(", ", f.mismatches())).append('\n');
    }
    if (!unfiredRules.isEmpty()) {
      out.append("rules no case fired (").append(unfiredRules.size()).append("): ")
          .append(String.join(", ", unfiredRules)).append('\n');
    }
    out.append(passed() ? "OK: " : "FAILED: ").append(summaryLine()).append('\n');
    return out.toString();
  }

  private String summaryLine() {
    return (cases - failures.size()) + " of " + cases + " cases passed"
        + (failures.isEmpty() ? "" : ", " + failures.size() + " failed");
  }
}
