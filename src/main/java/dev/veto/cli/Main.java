package dev.veto.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code veto} command: serve, verify, keygen, token, send, check, test, replay, export. */
@Command(
    name = "veto",
    mixinStandardHelpOptions = true,
    version = "veto 0.1.0",
    description = "Policy decision service between LLM agents and their tools.",
    subcommands = {
        ServeCommand.class,
        VerifyCommand.class,
        KeygenCommand.class,
        SendCommand.class,
        CheckCommand.class,
        TokenCommand.class,
        TestCommand.class,
        ReplayCommand.class,
        ExportCommand.class,
        ProofCommands.VerifyReceipt.class,
        ProofCommands.VerifyConsistency.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Exit code for a ledger that fails verification, or rules that do not compile. */
  static final int EXIT_DAMAGED = 1;

  /** Exit code for an input or environment problem (missing file, bad key, bad rules). */
  static final int EXIT_USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0 || !isServe(args)) {
      System.exit(code);
    }
  }

  private static boolean isServe(String[] args) {
    return args.length > 0 && args[0].equals("serve");
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
