package dev.veto.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.ledger.LedgerCorruptException;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import dev.veto.policy.cases.CaseFiles;
import dev.veto.replay.ReplayReport;
import dev.veto.replay.Replayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code veto replay}: what would candidate rules have said about every recorded decision?
 * Reads the ledger without locking it, so it can run beside a serving Veto.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Re-evaluate every recorded decision, with the inputs and task state"
        + " recorded at the time, against candidate rules; report what would change.")
final class ReplayCommand implements Callable<Integer> {

  @Option(names = "--data", defaultValue = "data",
      description = "Data folder holding ledger.jsonl (default ./${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--rules", required = true, description = "Candidate rules folder.")
  Path rules;

  @Option(names = "--config", description = "Override of the candidate's veto.yaml.")
  Path configFile;

  @Option(names = "--examples", defaultValue = "5",
      description = "Examples shown per verdict change (default ${DEFAULT-VALUE}).")
  int examples;

  @Option(names = "--fail-on-change", negatable = false,
      description = "Exit 1 when any decision would change (for CI gating of a policy change).")
  boolean failOnChange;

  @Option(names = "--write-cases", paramLabel = "FILE",
      description = "Write the changed decisions as policy test cases expecting the new"
          + " answer (e.g. CANDIDATE/tests/replay.yaml).")
  Path writeCases;

  @Override
  public Integer call() {
    Path ledger = data.resolve("ledger.jsonl");
    if (!Files.isRegularFile(ledger)) {
      System.err.println("veto replay: no ledger at " + ledger);
      return Main.EXIT_USAGE;
    }
    if (!Files.isDirectory(rules)) {
      System.err.println("veto replay: no rules folder at " + rules.toAbsolutePath());
      return Main.EXIT_USAGE;
    }

    try (Policy candidate = Policy.load(rules, configFile)) {
      return replay(candidate);
    } catch (PolicyException e) {
      e.problems().forEach(p ->
          System.out.println(p.file() + ":" + p.line() + ": " + p.message()));
      System.out.println("FAILED: the candidate rules do not compile (" + e.problems().size()
          + " problem(s))");
      return Main.EXIT_DAMAGED;
    }
  }

  private int replay(Policy candidate) {
    long started = System.nanoTime();
    ReplayReport report;
    try {
      report = Replayer.replay(data, candidate, examples);
    } catch (LedgerCorruptException e) {
      System.err.println("veto replay: " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (IOException e) {
      System.err.println("veto replay: cannot read " + data + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    System.out.print(report.render());
    System.out.println("took " + (System.nanoTime() - started) / 1_000_000 + " ms");

    if (writeCases != null && !writeCases(report)) {
      return Main.EXIT_USAGE;
    }
    return failOnChange && report.changed() > 0 ? Main.EXIT_DAMAGED : 0;
  }

  private boolean writeCases(ReplayReport report) {
    List<ObjectNode> cases = new ArrayList<>();
    for (ReplayReport.Change c : report.changes()) {
      ObjectNode proposal = c.proposal().deepCopy();
      proposal.remove("context");
      proposal.remove("context_sha256");
      cases.add(CaseFiles.toNode("ledger seq " + c.seq() + ": " + c.verdictChange(), proposal,
          c.usage(), c.situation(), c.replayed().verdict(), c.replayed().tier(),
          c.replayed().rules()));
    }
    try {
      CaseFiles.write(writeCases, cases);
      System.out.println("wrote " + cases.size() + " case(s) to " + writeCases);
      return true;
    } catch (IOException e) {
      System.err.println("veto replay: cannot write " + writeCases + ": " + e.getMessage());
      return false;
    }
  }
}
