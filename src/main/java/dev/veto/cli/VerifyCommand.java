package dev.veto.cli;

import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.VerifyingKey;
import dev.veto.ledger.IntegrityFailure;
import dev.veto.ledger.LedgerVerifier;
import dev.veto.ledger.VerifyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code veto verify}: checks the whole ledger offline with a public key alone. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Verify every ledger entry's chain link, hash and signature, offline.")
final class VerifyCommand implements Callable<Integer> {

  @Option(names = "--data", defaultValue = "data",
      description = "Data folder holding ledger.jsonl (default ./${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--key",
      description = "Public key file (PEM). Default: the data folder's keys/"
          + KeyFiles.PUBLIC_KEY_FILE + ".")
  Path key;

  @Override
  public Integer call() {
    Path keyFile = key != null ? key : KeyFiles.publicKeyPath(data);
    if (!Files.isRegularFile(keyFile)) {
      System.err.println("veto verify: no public key at " + keyFile + " (give one with --key)");
      return Main.EXIT_USAGE;
    }

    Path ledger = data.resolve("ledger.jsonl");
    if (!Files.isRegularFile(ledger)) {
      System.err.println("veto verify: no ledger at " + ledger);
      return Main.EXIT_USAGE;
    }

    try {
      VerifyingKey verifyingKey = KeyFiles.readPublic(keyFile);
      VerifyReport report = LedgerVerifier.verify(data, verifyingKey);
      return print(report, verifyingKey);
    } catch (IOException e) {
      System.err.println("veto verify: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
  }

  private static int print(VerifyReport report, VerifyingKey key) {
    if (report.failure().isEmpty()) {
      System.out.println("OK: verified " + report.verified() + " entries with key "
          + key.keyId());
      return 0;
    }
    IntegrityFailure failure = report.failure().get();
    String hint = failure.problem().startsWith("signed by another key")
        ? "; is " + key.keyId() + " the public key of this ledger?" : "";
    System.out.println("DAMAGED: entry " + failure.seq() + ": " + failure.problem()
        + " (" + report.verified() + " entries before it verified)" + hint);
    return Main.EXIT_DAMAGED;
  }
}
