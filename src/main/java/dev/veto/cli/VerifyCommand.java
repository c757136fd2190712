package dev.veto.cli;

import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import dev.veto.ledger.AuditReport;
import dev.veto.ledger.BlobReport;
import dev.veto.ledger.BlobStore;
import dev.veto.ledger.IntegrityFailure;
import dev.veto.ledger.KeyChain;
import dev.veto.ledger.LedgerVerifier;
import dev.veto.ledger.VerifyReport;
import dev.veto.ledger.BundleVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code veto verify}: checks the whole ledger offline with a public key alone (following
 * key rotations from it), the payload blobs beside it, and optionally that it still holds a
 * checkpoint the auditor kept; or, with --bundle, an exported bundle on its own.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Verify every ledger entry's chain link, hash, signature and key, the"
        + " checkpoints and payload blobs, offline; or an exported bundle (--bundle).")
final class VerifyCommand implements Callable<Integer> {

  @Option(names = "--data", defaultValue = "data",
      description = "Data folder holding ledger.jsonl (default ./${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--key",
      description = "The ledger's first public key (PEM), the one you trust. Default: the"
          + " data folder's keys/" + KeyFiles.GENESIS_PUBLIC_KEY_FILE + ", else keys/"
          + KeyFiles.PUBLIC_KEY_FILE + ".")
  Path key;

  @Option(names = "--checkpoint",
      description = "A checkpoint you kept earlier (the note, or the GET /v1/ledger/checkpoint"
          + " answer): the ledger must still contain its tree (nothing cut or rewritten).")
  Path checkpoint;

  @Option(names = "--bundle",
      description = "Verify this exported bundle instead of a data folder.")
  Path bundle;

  @Override
  public Integer call() {
    Path keyFile = key != null ? key : KeyFiles.trustedPublicKeyPath(data);
    if (!Files.isRegularFile(keyFile)) {
      System.err.println("veto verify: no public key at " + keyFile + " (give one with --key)");
      return Main.EXIT_USAGE;
    }
    try {
      VerifyingKey verifyingKey = KeyFiles.readPublic(keyFile);
      if (bundle != null) {
        return verifyBundle(verifyingKey);
      }
      Path ledger = data.resolve("ledger.jsonl");
      if (!Files.isRegularFile(ledger)) {
        System.err.println("veto verify: no ledger at " + ledger);
        return Main.EXIT_USAGE;
      }
      String note = checkpoint == null ? null
          : noteOf(Files.readString(checkpoint, StandardCharsets.UTF_8));
      AuditReport report = LedgerVerifier.audit(data, verifyingKey, BlobStore.of(data), note);
      return print(report, verifyingKey);
    } catch (IOException e) {
      System.err.println("veto verify: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
  }

  /** A bare note, or the GET /v1/ledger/checkpoint answer that holds one. */
  private static String noteOf(String text) throws IOException {
    return text.startsWith("{") ? Json.MAPPER.readTree(text).path("note").asText() : text;
  }

  private int verifyBundle(VerifyingKey trusted) throws IOException {
    if (!Files.isRegularFile(bundle)) {
      System.err.println("veto verify: no bundle at " + bundle);
      return Main.EXIT_USAGE;
    }
    BundleVerifier.Result result = BundleVerifier.verify(Files.readAllBytes(bundle), trusted);
    if (result.problem() != null) {
      System.out.println("DAMAGED: bundle " + bundle + ": " + result.problem());
      return Main.EXIT_DAMAGED;
    }
    System.out.println("OK: bundle holds entries " + result.from() + ".." + result.to()
        + ", all in the checkpoint of " + result.checkpointSize() + " entries signed by "
        + result.checkpointKeyId() + " (" + result.checkpointTime() + ")");
    return 0;
  }

  private int print(AuditReport audit, VerifyingKey key) {
    VerifyReport report = audit.ledger();
    if (report.failure().isPresent()) {
      IntegrityFailure failure = report.failure().get();
      String hint = failure.problem().startsWith("signed by another key") && failure.seq() == 1
          ? "; is " + key.keyId() + " the first public key of this ledger?" : "";
      System.out.println("DAMAGED: entry " + failure.seq() + ": " + failure.problem()
          + " (" + report.verified() + " entries before it verified)" + hint);
      return Main.EXIT_DAMAGED;
    }
    System.out.println("OK: verified " + report.verified() + " entries with key "
        + keys(audit.keys()));
    int code = printBlobs(audit.blobs());
    if (audit.checkpointProblem() != null) {
      System.out.println("DAMAGED: checkpoint " + checkpoint + ": " + audit.checkpointProblem());
      code = Main.EXIT_DAMAGED;
    } else if (checkpoint != null) {
      System.out.println("OK: the ledger contains the checkpoint " + checkpoint);
    }
    return code;
  }

  private static String keys(List<KeyChain.KeyPeriod> periods) {
    StringBuilder text = new StringBuilder();
    for (KeyChain.KeyPeriod period : periods) {
      if (text.length() > 0) {
        text.append(", then ");
      }
      text.append(period.keyId());
      if (periods.size() > 1) {
        text.append(" (entries ").append(period.fromSeq()).append("..")
            .append(period.toSeq() == 0 ? "" : String.valueOf(period.toSeq())).append(')');
      }
    }
    return text.toString();
  }

  private static int printBlobs(BlobReport blobs) {
    if (blobs == null || blobs.checked() == 0) {
      return 0;
    }
    System.out.println("payloads: " + blobs.checked() + " referenced, " + blobs.altered().size()
        + " altered, " + blobs.missing().size() + " missing, " + blobs.erased().size()
        + " erased by an entry");
    blobs.missing().forEach(name -> System.out.println("MISSING: payload " + name
        + " (no blob_erased entry explains it)"));
    blobs.altered().forEach(name -> System.out.println("DAMAGED: payload " + name
        + " does not hash to its name"));
    return blobs.altered().isEmpty() ? 0 : Main.EXIT_DAMAGED;
  }
}
