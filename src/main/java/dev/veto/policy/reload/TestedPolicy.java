package dev.veto.policy.reload;

import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import dev.veto.policy.cases.CaseFiles;
import dev.veto.policy.cases.CaseReport;
import dev.veto.policy.cases.CaseRunner;
import dev.veto.policy.cases.PolicyCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loads a policy and runs its test cases; a policy whose cases fail is never returned. */
public final class TestedPolicy {

  private TestedPolicy() {}

  /**
   * Compiles rulesDir (with configFile over its veto.yaml) and runs rulesDir/tests. Throws with
   * every compile problem, or with one problem per failing case ("tests/x.yaml:12").
   *
   * <p>The cases run against the rules folder as written, without the operator's override:
   * they pin the folder's own veto.yaml (a budget case expects its numbers), and an operator
   * who lowers a budget has not broken the rules. With an override the folder is compiled
   * twice, once for the cases and once to serve.
   */
  public static Policy load(Path rulesDir, Path configFile) throws PolicyException {
    List<PolicyCase> cases = CaseFiles.load(rulesDir);
    Policy policy = Policy.load(rulesDir, configFile);
    try {
      if (configFile == null) {
        check(policy, cases);
      } else {
        try (Policy asWritten = Policy.load(rulesDir, null)) {
          check(asWritten, cases);
        }
      }
      return policy;
    } catch (PolicyException | RuntimeException e) {
      policy.close();
      throw e;
    }
  }

  private static void check(Policy policy, List<PolicyCase> cases) throws PolicyException {
    CaseReport report = CaseRunner.run(policy, cases);
    if (!report.passed()) {
      throw new PolicyException(problemsOf(report));
    }
  }

  private static List<PolicyException.Problem> problemsOf(CaseReport report) {
    List<PolicyException.Problem> out = new ArrayList<>();
    for (CaseReport.Failure f : report.failures()) {
      String source = f.testCase().source();
      int colon = source.lastIndexOf(':');
      String file = colon < 0 ? source : source.substring(0, colon);
      int line = colon < 0 ? 0 : parseLine(source.substring(colon + 1));
      out.add(new PolicyException.Problem(file, line, "policy test '" + f.testCase().name()
          + "' failed: expected " + f.expected() + "; got " + f.actual()));
    }
    return out;
  }

  private static int parseLine(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
