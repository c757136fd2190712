package dev.veto.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads a ledger's entries for offline tools (veto replay) without opening it as a
 * {@link Ledger}: no data-directory lock and no recovery, so it never writes and may run
 * beside a serving Veto. Checks each line's shape and seq order, like {@link Ledger#replay},
 * not hashes or signatures ({@link LedgerVerifier} does those). A last line without its
 * newline is a write in progress or a torn tail, and is left out.
 */
public final class LedgerReader {

  private LedgerReader() {}

  /** Calls sink with every complete entry in order; returns how many there were. */
  public static long read(Path ledgerFileOrDataDir, Consumer<LedgerEntry> sink)
      throws IOException {
    Path file = Files.isDirectory(ledgerFileOrDataDir)
        ? ledgerFileOrDataDir.resolve(EntryFormat.FILE_NAME)
        : ledgerFileOrDataDir;
    long expected = 1;
    try (LineReader lines = new LineReader(Files.newInputStream(file), Long.MAX_VALUE)) {
      for (LineReader.Line line = lines.next(); line != null; line = lines.next()) {
        if (!line.terminated()) {
          break;
        }
        sink.accept(parse(file, line, expected));
        expected++;
      }
    }
    return expected - 1;
  }

  private static LedgerEntry parse(Path file, LineReader.Line line, long expected)
      throws LedgerCorruptException {
    String where = file.getFileName() + " byte offset " + line.offset();
    if (line.bytes() == null) {
      throw new LedgerCorruptException(expected, "line too long", where);
    }
    LedgerEntry entry;
    try {
      entry = ParsedLine.parse(line.bytes()).entry();
    } catch (ParsedLine.MalformedLineException e) {
      throw new LedgerCorruptException(expected, e.getMessage(), where);
    }
    if (entry.seq() != expected) {
      throw new LedgerCorruptException(expected,
          "expected seq " + expected + ", found " + entry.seq(), where);
    }
    return entry;
  }
}
