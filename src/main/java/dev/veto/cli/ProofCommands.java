package dev.veto.cli;

import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.VerifyingKey;
import dev.veto.ledger.Checkpoints.Checkpoint;
import dev.veto.ledger.ProofChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Offline proof checks on files saved from the API: no data folder, no network. */
final class ProofCommands {

  private ProofCommands() {}

  /** {@code veto verify-receipt}: a receipt's entry is in a signed checkpoint. */
  @Command(name = "verify-receipt", mixinStandardHelpOptions = true,
      description = "Check offline that a receipt's entry is in a signed checkpoint.")
  static final class VerifyReceipt implements Callable<Integer> {

    @Option(names = "--receipt", required = true,
        description = "The decide (or outcome) answer, or just its receipt object (JSON).")
    Path receipt;

    @Option(names = "--proof", required = true,
        description = "GET /v1/ledger/proof/inclusion?seq=SEQ&size=SIZE answer (JSON).")
    Path proof;

    @Option(names = "--checkpoint", required = true,
        description = "The checkpoint note, or the GET /v1/ledger/checkpoint answer.")
    Path checkpoint;

    @Option(names = "--key", required = true,
        description = "Public key (PEM) you trust; repeat for each key of a rotated chain.")
    List<Path> keys;

    @Override
    public Integer call() {
      return run("verify-receipt", () -> {
        Checkpoint signed = ProofChecks.receiptIncluded(read(receipt), read(proof),
            read(checkpoint), readKeys(keys));
        return "OK: the receipt's entry is in the checkpoint of " + signed.size()
            + " entries (" + signed.origin() + ", " + signed.time() + ")";
      });
    }
  }

  /** {@code veto verify-consistency}: a newer checkpoint extends an older one. */
  @Command(name = "verify-consistency", mixinStandardHelpOptions = true,
      description = "Check offline that a newer checkpoint extends an older one (the log was"
          + " only appended to).")
  static final class VerifyConsistency implements Callable<Integer> {

    @Option(names = "--old", required = true, description = "The older checkpoint.")
    Path older;

    @Option(names = "--new", required = true, description = "The newer checkpoint.")
    Path newer;

    @Option(names = "--proof", required = true,
        description = "GET /v1/ledger/proof/consistency?from=OLD&to=NEW answer (JSON).")
    Path proof;

    @Option(names = "--key", required = true,
        description = "Public key (PEM) you trust; repeat for each key of a rotated chain.")
    List<Path> keys;

    @Override
    public Integer call() {
      return run("verify-consistency", () -> {
        ProofChecks.consistent(read(older), read(newer), read(proof), readKeys(keys));
        return "OK: the newer checkpoint extends the older one";
      });
    }
  }

  private interface Check {
    String run() throws IOException;
  }

  private static int run(String name, Check check) {
    try {
      System.out.println(check.run());
      return 0;
    } catch (IllegalArgumentException e) {
      System.out.println("FAILED: " + e.getMessage());
      return Main.EXIT_DAMAGED;
    } catch (IOException e) {
      System.err.println("veto " + name + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  private static List<VerifyingKey> readKeys(List<Path> files) throws IOException {
    List<VerifyingKey> keys = new ArrayList<>();
    for (Path file : files) {
      keys.add(KeyFiles.readPublic(file));
    }
    return keys;
  }
}
