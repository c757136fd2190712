package dev.veto.ledger;

import dev.veto.ledger.merkle.HashTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only pass over a ledger file for offline tools (export): rebuilds the Merkle tree,
 * keeps the lines of a seq range, every key rotation line and the checkpoint entries. Takes
 * no lock, so it works beside a running server; it stops at the first line that is not a
 * complete entry (a write in progress), since only what is durable can be proven anyway.
 * It checks nothing that the bundle's verifier does not check again.
 */
final class LedgerScan {

  /** One line of the ledger, newline excluded, with its parsed entry. */
  record Line(byte[] bytes, LedgerEntry entry) {}

  final HashTree tree = new HashTree();
  final List<Line> range = new ArrayList<>();
  final List<Line> rotations = new ArrayList<>();
  final List<Line> checkpoints = new ArrayList<>();

  private LedgerScan() {}

  static LedgerScan of(Path dataDir, long from, long to) throws IOException {
    LedgerScan scan = new LedgerScan();
    Path file = dataDir.resolve(EntryFormat.FILE_NAME);
    try (LineReader lines = new LineReader(Files.newInputStream(file), Long.MAX_VALUE)) {
      for (LineReader.Line line = lines.next(); line != null; line = lines.next()) {
        if (!line.terminated() || line.bytes() == null || !scan.accept(line.bytes(), from, to)) {
          break;
        }
      }
    }
    return scan;
  }

  private boolean accept(byte[] bytes, long from, long to) {
    LedgerEntry entry;
    try {
      entry = ParsedLine.parse(bytes).entry();
    } catch (ParsedLine.MalformedLineException e) {
      return false;
    }
    byte[] signature = Codec.strictBase64(entry.signature());
    if (entry.seq() != tree.size() + 1 || signature == null) {
      return false;
    }
    tree.add(EntryFormat.leafHash(Codec.strictHex(entry.hash(), 32), signature));
    Line line = new Line(bytes, entry);
    if (entry.seq() >= from && entry.seq() <= to) {
      range.add(line);
    }
    if (KeyChain.ROTATION_KIND.equals(entry.kind())) {
      rotations.add(line);
    } else if (Checkpoints.KIND.equals(entry.kind())) {
      checkpoints.add(line);
    }
    return true;
  }
}
