package dev.veto.ledger;

import dev.veto.ledger.merkle.HashTree;
import dev.veto.ledger.merkle.MerkleHash;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up check of the ledger file: finds where the last complete entry ends, cuts a torn
 * tail, and refuses to open a file damaged anywhere else.
 *
 * <p>Invariants on success: every line before {@code validLength} parses, seqs run 1..lastSeq
 * without gaps, each prev is the hash of the entry before, and each hash is the SHA-256 of its
 * BODY bytes. Signatures are not checked here (about 60 µs each, too slow for a large file at
 * start); {@link LedgerVerifier} does that offline.
 *
 * <p>Torn tail: the appender writes whole batches and acknowledges nothing before the fsync,
 * so a crash can only leave an incomplete last line, or a file extended with zeros or garbage
 * (delayed allocation). Such a tail never held an acknowledged entry: it is copied to
 * {@code ledger.jsonl.torn-<epochmillis>} (forced to disk first), then cut. A bad line that is
 * followed by a well-formed entry is not a tail: that is damage, and the start stops with
 * {@link LedgerCorruptException}, so no complete entry is ever dropped or skipped silently.
 *
 * <p>Attacker: someone who can write the file can truncate it or rewrite it wholesale; this
 * check is for crashes, not for attacks. Hashes here only catch accidental damage; the
 * signatures, checked by the verifier with the public key, are what defeat forgery.
 *
 * <p>Snapshot prefix: given a {@link LedgerPrefix} whose last entry the file still holds at
 * the recorded offset (same hash, same leaf), recovery takes offsets, tree, key chain and
 * last checkpoint from it and reads only the bytes after it. The invariants above then hold
 * for what follows the prefix; the prefix itself is not re-hashed (a crash tears only the
 * tail, and the verifier checks everything).
 *
 * <p>Threading: runs once, in {@link Ledger#open}, before the appender starts.
 */
final class Recovery {

  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
  private static final HexFormat HEX = HexFormat.of();

  /** Where the chain ends after recovery. */
  record Result(long lastSeq, String lastHash, long validLength, RecoveryReport report,
      EntryOffsets offsets, HashTree tree, KeyChain keys, long lastCheckpointSeq) {}

  /** The first bad line seen; a torn tail if nothing well-formed follows it. */
  private record BadLine(long offset, long seq, String problem) {}

  private final Path file;
  private final FileChannel channel;
  private final Clock clock;
  private final RecoveryListener listener;
  private long lastSeq;
  private String lastHash = EntryFormat.GENESIS_PREV;
  private long validLength;
  private BadLine firstBad;
  private final EntryOffsets offsets = new EntryOffsets();
  private final HashTree tree = new HashTree();
  private final KeyChain keys = new KeyChain();
  private long lastCheckpointSeq;
  private long prefixSeq;

  private Recovery(Path file, FileChannel channel, Clock clock, RecoveryListener listener) {
    this.file = file;
    this.channel = channel;
    this.clock = clock;
    this.listener = listener;
  }

  /**
   * Checks the file and cuts a torn tail; channel must be open for writing. With a prefix
   * that still matches the file, only what follows it is read.
   */
  static Result run(Path file, FileChannel channel, Clock clock, LedgerPrefix prefix,
      RecoveryListener listener) throws IOException {
    return new Recovery(file, channel, clock, listener).run(prefix);
  }

  private Result run(LedgerPrefix prefix) throws IOException {
    long size = channel.size();
    if (prefix != null && matches(prefix, size)) {
      adopt(prefix);
    }
    listener.readingAfter(prefixSeq);

    InputStream in = Files.newInputStream(file);
    in.skipNBytes(validLength);
    try (LineReader lines = new LineReader(in, validLength, size)) {
      for (LineReader.Line line = lines.next(); line != null; line = lines.next()) {
        accept(line);
      }
    }

    RecoveryReport report = firstBad == null
        ? new RecoveryReport(lastSeq, 0, null, prefixSeq)
        : cutTail(size);
    return new Result(lastSeq, lastHash, validLength, report, offsets, tree, keys,
        lastCheckpointSeq);
  }

  private void accept(LineReader.Line line) throws LedgerCorruptException {
    if (firstBad != null) {
      rejectEntryAfterBadLine(line);
      return;
    }
    if (!line.terminated() || line.bytes() == null) {
      String problem = line.terminated() ? "line longer than " + EntryFormat.MAX_LINE_BYTES
          + " bytes" : "incomplete last line (no newline)";
      firstBad = new BadLine(line.offset(), lastSeq + 1, problem);
      return;
    }

    ParsedLine parsed;
    try {
      parsed = ParsedLine.parse(line.bytes());
    } catch (ParsedLine.MalformedLineException e) {
      firstBad = new BadLine(line.offset(), lastSeq + 1, e.getMessage());
      return;
    }
    checkChain(parsed, line.offset());
    offsets.add(line.offset());
    follow(parsed, line.offset());
    listener.recovered(parsed.entry());
    lastSeq = parsed.entry().seq();
    lastHash = parsed.entry().hash();
    validLength = line.end();
  }

  /**
   * Whether the file still holds the prefix's last entry where the prefix says, with its
   * hash and leaf: a snapshot of another ledger, or of a longer file that was cut, fails.
   */
  private boolean matches(LedgerPrefix prefix, long size) throws IOException {
    long seq = prefix.seq();
    boolean shaped = seq >= 1 && prefix.offsets().length == seq
        && prefix.leaves().length == seq * MerkleHash.HASH_LENGTH
        && prefix.endOffset() <= size;
    String problem = shaped ? lastEntryProblem(prefix) : "its sizes do not add up";
    if (problem != null) {
      LOG.warn("ledger snapshot prefix ignored, reading the whole file: file={} seq={}"
          + " problem=\"{}\"", file, seq, problem);
    }
    return problem == null;
  }

  private String lastEntryProblem(LedgerPrefix prefix) throws IOException {
    long offset = prefix.offsets()[(int) prefix.seq() - 1];
    long length = prefix.endOffset() - offset;
    if (length < 2 || length > EntryFormat.MAX_LINE_BYTES) {
      return "the last entry's offsets are impossible";
    }
    ByteBuffer bytes = ByteBuffer.allocate((int) length);
    while (bytes.hasRemaining() && channel.read(bytes, offset + bytes.position()) > 0) {
      // Positional reads until the line is in.
    }
    byte[] line = Arrays.copyOf(bytes.array(), (int) length - 1);
    if (bytes.hasRemaining() || bytes.get((int) length - 1) != EntryFormat.NEWLINE) {
      return "no line ends at the recorded offset";
    }
    ParsedLine parsed;
    try {
      parsed = ParsedLine.parse(line);
    } catch (ParsedLine.MalformedLineException e) {
      return "the entry at the recorded offset is malformed: " + e.getMessage();
    }
    LedgerEntry entry = parsed.entry();
    byte[] leaf = EntryFormat.leafHash(HEX.parseHex(entry.hash()),
        Codec.strictBase64(entry.signature()));
    int last = (prefix.leaves().length - MerkleHash.HASH_LENGTH);
    boolean sameLeaf = Arrays.equals(leaf, 0, leaf.length, prefix.leaves(), last,
        last + MerkleHash.HASH_LENGTH);
    if (entry.seq() != prefix.seq() || !entry.hash().equals(prefix.hash())
        || !HEX.formatHex(parsed.bodyHash()).equals(entry.hash()) || !sameLeaf) {
      return "the entry at the recorded offset is not the one recorded";
    }
    return null;
  }

  private void adopt(LedgerPrefix prefix) {
    offsets.addAll(prefix.offsets());
    tree.addPacked(prefix.leaves());
    keys.adopt(prefix.keyPeriods());
    lastSeq = prefix.seq();
    lastHash = prefix.hash();
    validLength = prefix.endOffset();
    lastCheckpointSeq = prefix.lastCheckpointSeq();
    prefixSeq = prefix.seq();
  }

  /** Rebuilds the Merkle tree (96 bytes hashed an entry), the key chain, the last checkpoint. */
  private void follow(ParsedLine parsed, long offset) throws LedgerCorruptException {
    LedgerEntry entry = parsed.entry();
    byte[] signature = Codec.strictBase64(entry.signature());
    if (signature == null || signature.length != 64) {
      throw new LedgerCorruptException(entry.seq(), "sig is not 64 bytes in base64",
          file.getFileName() + " byte offset " + offset);
    }
    tree.add(EntryFormat.leafHash(HEX.parseHex(entry.hash()), signature));
    keys.observe(entry);
    if (Checkpoints.KIND.equals(entry.kind())) {
      lastCheckpointSeq = entry.seq();
    }
  }

  private void rejectEntryAfterBadLine(LineReader.Line line) throws LedgerCorruptException {
    if (line.terminated() && line.bytes() != null && ParsedLine.isEntry(line.bytes())) {
      throw new LedgerCorruptException(firstBad.seq(), firstBad.problem()
          + ", followed by a complete entry at byte offset " + line.offset(), where(firstBad));
    }
  }

  private void checkChain(ParsedLine parsed, long offset) throws LedgerCorruptException {
    LedgerEntry entry = parsed.entry();
    long expected = lastSeq + 1;
    String where = file.getFileName() + " byte offset " + offset;
    if (entry.seq() != expected) {
      throw new LedgerCorruptException(expected,
          "expected seq " + expected + ", found " + entry.seq(), where);
    }
    if (!entry.prev().equals(lastHash)) {
      throw new LedgerCorruptException(expected, prevProblem(lastSeq), where);
    }
    if (!HEX.formatHex(parsed.bodyHash()).equals(entry.hash())) {
      throw new LedgerCorruptException(expected, "hash mismatch", where);
    }
  }

  static String prevProblem(long previousSeq) {
    return previousSeq == 0
        ? "prev of entry 1 is not 64 zeros"
        : "prev does not match hash of entry " + previousSeq;
  }

  private String where(BadLine bad) {
    return file.getFileName() + " byte offset " + bad.offset();
  }

  private RecoveryReport cutTail(long size) throws IOException {
    long cut = size - validLength;
    Path backup = backUpTail(size);

    channel.truncate(validLength);
    channel.force(true);

    LOG.warn("ledger torn tail cut: file={} seq={} problem=\"{}\" offset={} bytes_cut={}"
        + " backup={} entries_kept={}", file, firstBad.seq(), firstBad.problem(), validLength,
        cut, backup, lastSeq);
    return new RecoveryReport(lastSeq, cut, backup, prefixSeq);
  }

  private Path backUpTail(long size) throws IOException {
    Path backup = createBackupFile();
    try (FileChannel out = FileChannel.open(backup, StandardOpenOption.WRITE)) {
      long copied = 0;
      while (copied < size - validLength) {
        copied += channel.transferTo(validLength + copied, size - validLength - copied, out);
      }
      // The torn bytes are evidence; they must be safe on disk before the original is cut.
      out.force(true);
    }
    Durability.forceDirectory(file.toAbsolutePath().getParent());
    return backup;
  }

  private Path createBackupFile() throws IOException {
    String base = file.getFileName() + ".torn-" + clock.millis();
    for (int attempt = 0; ; attempt++) {
      Path candidate = file.resolveSibling(attempt == 0 ? base : base + "-" + attempt);
      try {
        return Files.createFile(candidate);
      } catch (FileAlreadyExistsException e) {
        // Two recoveries within one clock millisecond (tests, fixed clocks): take the next name.
      }
    }
  }
}
