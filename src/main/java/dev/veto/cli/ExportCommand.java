package dev.veto.cli;

import dev.veto.crypto.KeyFiles;
import dev.veto.io.AtomicFiles;
import dev.veto.ledger.BundleExporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code veto export}: writes a self-contained bundle of entries for an auditor. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write entries FROM..TO with the keys, a checkpoint and the proofs tying"
        + " them to it; check it anywhere with veto verify --bundle FILE --key KEY.")
final class ExportCommand implements Callable<Integer> {

  @Option(names = "--data", defaultValue = "data",
      description = "Data folder holding ledger.jsonl (default ./${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--from", required = true, description = "First entry (seq).")
  long from;

  @Option(names = "--to", required = true, description = "Last entry (seq).")
  long to;

  @Option(names = "--out", required = true, description = "The bundle file to write.")
  Path out;

  @Option(names = "--key", description = "The ledger's first public key (default: as verify).")
  Path key;

  @Override
  public Integer call() {
    Path keyFile = key != null ? key : KeyFiles.trustedPublicKeyPath(data);
    if (!Files.isRegularFile(data.resolve("ledger.jsonl"))) {
      System.err.println("veto export: no ledger at " + data.resolve("ledger.jsonl"));
      return Main.EXIT_USAGE;
    }
    try {
      byte[] bundle = BundleExporter.export(data, KeyFiles.readPublic(keyFile), from, to);
      AtomicFiles.write(out, bundle, PosixFilePermissions.fromString("rw-r--r--"));
      System.out.println("wrote entries " + from + ".." + to + " to " + out + " ("
          + bundle.length + " bytes)");
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("veto export: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
  }
}
