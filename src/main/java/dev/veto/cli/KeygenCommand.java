package dev.veto.cli;

import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import dev.veto.server.KeyRotation;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code veto keygen}: makes an Ed25519 signing key pair, or rotates a data folder's key. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = "Generate an Ed25519 signing key pair (private key mode 0600); with"
        + " --rotate, replace the key of a stopped server's data folder.")
final class KeygenCommand implements Callable<Integer> {

  @Option(names = "--out", defaultValue = "data/keys",
      description = "Folder for the key files (default ./${DEFAULT-VALUE}, where serve looks).")
  Path out;

  @Option(names = "--rotate", negatable = false,
      description = "Start a new signing key for --data: a ledger entry signed by the old"
          + " key names the new one. Stop the server first.")
  boolean rotate;

  @Option(names = "--data", defaultValue = "data",
      description = "Data folder whose key --rotate replaces (default ./${DEFAULT-VALUE}).")
  Path data;

  @Override
  public Integer call() {
    try {
      return rotate ? rotate() : generate();
    } catch (IOException | RuntimeException e) {
      System.err.println("veto keygen: " + message(e));
      return Main.EXIT_USAGE;
    }
  }

  private int generate() throws IOException {
    SigningKey key = KeyFiles.writeNew(out);
    System.out.println("key id:      " + key.keyId());
    System.out.println("private key: " + out.resolve(KeyFiles.PRIVATE_KEY_FILE)
        + " (mode 0600; never share or commit it)");
    System.out.println("public key:  " + out.resolve(KeyFiles.PUBLIC_KEY_FILE)
        + " (give this to auditors)");
    return 0;
  }

  private int rotate() throws IOException {
    KeyRotation.Result result = KeyRotation.rotate(data, Clock.systemUTC());
    Path keys = data.resolve(KeyFiles.KEYS_DIR);
    System.out.println("rotated:     " + result.oldKeyId() + " -> " + result.newKeyId()
        + " (ledger entry " + result.rotationSeq() + ", checkpoint entry "
        + result.checkpointSeq() + ")");
    System.out.println("private key: " + keys.resolve(KeyFiles.PRIVATE_KEY_FILE)
        + " (the new one, mode 0600; the old private key was removed)");
    System.out.println("auditors:    keep trusting "
        + keys.resolve(KeyFiles.GENESIS_PUBLIC_KEY_FILE) + "; verify follows the chain");
    return 0;
  }

  private static String message(Exception e) {
    Throwable cause = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
    return String.valueOf(cause.getMessage());
  }
}
