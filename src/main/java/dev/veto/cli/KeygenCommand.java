package dev.veto.cli;

import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code veto keygen}: makes an Ed25519 signing key pair explicitly. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = "Generate an Ed25519 signing key pair (private key mode 0600).")
final class KeygenCommand implements Callable<Integer> {

  @Option(names = "--out", defaultValue = "data/keys",
      description = "Folder for the key files (default ./${DEFAULT-VALUE}, where serve looks).")
  Path out;

  @Override
  public Integer call() {
    try {
      SigningKey key = KeyFiles.writeNew(out);
      System.out.println("key id:      " + key.keyId());
      System.out.println("private key: " + out.resolve(KeyFiles.PRIVATE_KEY_FILE)
          + " (mode 0600; never share or commit it)");
      System.out.println("public key:  " + out.resolve(KeyFiles.PUBLIC_KEY_FILE)
          + " (give this to auditors)");
      return 0;
    } catch (IOException e) {
      System.err.println("veto keygen: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
  }
}
