package dev.veto.cli;

import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code veto check}: compiles the rules and reports errors, without starting a server. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Compile rules/*.drl and read veto.yaml; report errors with file and line.")
final class CheckCommand implements Callable<Integer> {

  @Option(names = "--rules", defaultValue = "rules",
      description = "Rules folder (default ./${DEFAULT-VALUE}).")
  Path rules;

  @Option(names = "--config", description = "Operator's override of the rules' veto.yaml.")
  Path configFile;

  @Override
  public Integer call() {
    if (!Files.isDirectory(rules)) {
      System.err.println("veto check: no rules folder at " + rules.toAbsolutePath());
      return Main.EXIT_USAGE;
    }

    try (Policy policy = Policy.load(rules, configFile)) {
      System.out.println("OK: " + policy.ruleNames().size() + " rules compiled; policy "
          + policy.version());
      return 0;
    } catch (PolicyException e) {
      e.problems().forEach(p ->
          System.out.println(p.file() + ":" + p.line() + ": " + p.message()));
      System.out.println("FAILED: " + e.problems().size() + " problem(s) in " + rules);
      return Main.EXIT_DAMAGED;
    }
  }
}
