package dev.veto.cli;

import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import dev.veto.policy.cases.CaseFiles;
import dev.veto.policy.cases.CaseReport;
import dev.veto.policy.cases.CaseRunner;
import dev.veto.policy.cases.PolicyCase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code veto test}: runs the policy test cases in RULES/tests against RULES. */
@Command(name = "test", mixinStandardHelpOptions = true,
    description = "Run the policy test cases (RULES/tests/*.yaml) against the rules; report"
        + " failing cases with expected and actual, and the rules no case fired.")
final class TestCommand implements Callable<Integer> {

  @Option(names = "--rules", defaultValue = "rules",
      description = "Rules folder (default ./${DEFAULT-VALUE}).")
  Path rules;

  @Option(names = "--config", description = "Operator's override of the rules' veto.yaml.")
  Path configFile;

  @Option(names = "--fail-on-unfired", negatable = false,
      description = "Also exit 1 when some rule is fired by no case.")
  boolean failOnUnfired;

  @Override
  public Integer call() {
    if (!Files.isDirectory(rules)) {
      System.err.println("veto test: no rules folder at " + rules.toAbsolutePath());
      return Main.EXIT_USAGE;
    }

    List<PolicyCase> cases;
    try {
      cases = CaseFiles.load(rules);
    } catch (PolicyException e) {
      printProblems(e, "test cases in " + rules.resolve(CaseFiles.DIR) + " do not load");
      return Main.EXIT_DAMAGED;
    }
    if (cases.isEmpty()) {
      System.err.println("veto test: no cases in " + rules.resolve(CaseFiles.DIR)
          + " (write *.yaml files there; see README.md, For policy authors)");
      return Main.EXIT_USAGE;
    }
    return run(cases);
  }

  private int run(List<PolicyCase> cases) {
    try (Policy policy = Policy.load(rules, configFile)) {
      CaseReport report = CaseRunner.run(policy, cases);
      System.out.print(report.render());
      boolean unfired = failOnUnfired && !report.unfiredRules().isEmpty();
      return report.passed() && !unfired ? 0 : Main.EXIT_DAMAGED;
    } catch (PolicyException e) {
      printProblems(e, "the rules do not compile");
      return Main.EXIT_DAMAGED;
    }
  }

  private static void printProblems(PolicyException e, String what) {
    e.problems().forEach(p ->
        System.out.println(p.file() + ":" + p.line() + ": " + p.message()));
    System.out.println("FAILED: " + what + " (" + e.problems().size() + " problem(s))");
  }
}
