package dev.veto.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.SigningKey;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import dev.veto.ledger.merkle.HashTree;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The append-only, hash-chained, signed ledger file {@code dataDir/ledger.jsonl}.
 *
 * <p>{@link #open} takes an exclusive lock on {@code dataDir/ledger.lock} (a second server on
 * the same data directory would fork the chain; see {@link DataDirLock}), runs
 * {@link Recovery}, then starts the {@link Appender} thread, which does all writing and
 * releases the lock when it exits. {@link #append} is safe from any thread; its future
 * completes on the appender thread, so callers should not run slow work in callbacks.
 *
 * <p>The data is canonicalised on the caller's thread: that spreads the JSON work over the
 * callers' cores, reports bad data to the caller at once, and freezes the tree, so a caller
 * that changes its ObjectNode after append cannot change what gets signed.
 */
public final class Ledger implements AutoCloseable {

  private static final String THREAD_NAME = "veto-ledger-appender";

  private final Path file;
  private final FileChannel channel;
  private final Appender appender;
  private final Thread thread;
  private final RecoveryReport recovery;
  private final SigningKey key;
  private final Clock clock;
  private final HashTree tree;
  private final KeyChain keys;
  private final String origin;
  private final BlobStore blobs;
  private volatile long lastCheckpointSeq;

  private Ledger(Path file, FileChannel channel, Appender appender, Recovery.Result result,
                 SigningKey key, Clock clock, BlobStore blobs) {
    this.file = file;
    this.channel = channel;
    this.appender = appender;
    this.recovery = result.report();
    this.key = key;
    this.clock = clock;
    this.tree = result.tree();
    this.keys = result.keys();
    this.lastCheckpointSeq = result.lastCheckpointSeq();
    this.blobs = blobs;
    String first = keys.firstKeyId();
    this.origin = Checkpoints.origin(first != null ? first : key.keyId());
    this.thread = new Thread(appender, THREAD_NAME);
    // Daemon: a forgotten close() must not keep the JVM alive; nothing unacknowledged is lost.
    thread.setDaemon(true);
  }

  /**
   * Locks dataDir, opens (creating) dataDir/ledger.jsonl, recovers it, and starts the
   * appender. Throws an IOException at once if another ledger, in this process or another,
   * has dataDir open.
   */
  public static Ledger open(Path dataDir, SigningKey key, Clock clock, LedgerOptions options)
      throws IOException {
    return open(dataDir, key, clock, options, null, RecoveryListener.NONE, channel -> channel);
  }

  /**
   * Opens as {@link #open(Path, SigningKey, Clock, LedgerOptions)} does, but recovery reads
   * only what follows prefix (from a snapshot) if the file still matches it, and hands each
   * entry it reads to listener; {@link RecoveryReport#prefixSeq()} says where it started.
   */
  public static Ledger open(Path dataDir, SigningKey key, Clock clock, LedgerOptions options,
      LedgerPrefix prefix, RecoveryListener listener) throws IOException {
    return open(dataDir, key, clock, options, prefix, listener, channel -> channel);
  }

  /** For fault-injection tests: the ledger writes through wrap(the file's channel). */
  static Ledger open(Path dataDir, SigningKey key, Clock clock, LedgerOptions options,
      UnaryOperator<FileChannel> wrap) throws IOException {
    return open(dataDir, key, clock, options, null, RecoveryListener.NONE, wrap);
  }

  private static Ledger open(Path dataDir, SigningKey key, Clock clock, LedgerOptions options,
      LedgerPrefix prefix, RecoveryListener listener, UnaryOperator<FileChannel> wrap)
      throws IOException {
    Files.createDirectories(dataDir);
    DataDirLock lock = DataDirLock.acquire(dataDir);
    try {
      Path file = dataDir.resolve(EntryFormat.FILE_NAME);
      boolean created = !Files.exists(file);
      FileChannel channel = wrap.apply(FileChannel.open(file, StandardOpenOption.CREATE,
          StandardOpenOption.READ, StandardOpenOption.WRITE));
      try {
        return start(file, channel, lock, key, clock, options, created, prefix, listener);
      } catch (IOException | RuntimeException | Error e) {
        channel.close();
        throw e;
      }
    } catch (IOException | RuntimeException | Error e) {
      lock.close();
      throw e;
    }
  }

  private static Ledger start(Path file, FileChannel channel, DataDirLock lock, SigningKey key,
                              Clock clock, LedgerOptions options, boolean created,
                              LedgerPrefix prefix, RecoveryListener listener)
      throws IOException {
    if (created) {
      Durability.forceDirectory(file.toAbsolutePath().getParent());
    }

    Recovery.Result result = Recovery.run(file, channel, clock, prefix, listener);
    channel.position(result.validLength());

    Appender appender =
        new Appender(channel, lock, new EntryEncoder(key, clock), options, result);
    BlobStore blobs = new BlobStore(file.toAbsolutePath().getParent().resolve(BlobStore.DIR),
        options.fsync());
    Ledger ledger = new Ledger(file, channel, appender, result, key, clock, blobs);
    ledger.thread.start();
    return ledger;
  }

  public RecoveryReport recovery() {
    return recovery;
  }

  /**
   * Calls sink with every complete, durable entry, in order. Checks each line's shape and
   * seq order, not hashes or signatures (see {@link LedgerVerifier} for those).
   */
  public void replay(Consumer<LedgerEntry> sink) throws IOException {
    replayAfter(0, sink);
  }

  /** As {@link #replay}, from entry afterSeq + 1 on (a snapshot holds those before). */
  public void replayAfter(long afterSeq, Consumer<LedgerEntry> sink) throws IOException {
    long limit = appender.durableLength();
    long from = afterSeq == 0 ? 0 : appender.offsets().offsetOf(afterSeq + 1);
    if (from < 0) {
      return;
    }
    long expected = afterSeq + 1;
    InputStream in = Files.newInputStream(file);
    in.skipNBytes(from);
    try (LineReader lines = new LineReader(in, from, limit)) {
      for (LineReader.Line line = lines.next(); line != null; line = lines.next()) {
        LedgerEntry entry = parseForReplay(line, expected);
        sink.accept(entry);
        expected++;
      }
    }
  }

  /**
   * The prefix of every entry in the ledger now, for a snapshot taken while nothing is
   * appended (at start-up, before the server takes requests).
   */
  public LedgerPrefix prefixNow() throws IOException {
    return prefix(lastSeq(), lastCheckpointSeq, keys.periods());
  }

  /** Whether this ledger holds prefix's last entry where and as the prefix says. */
  public boolean holds(LedgerPrefix prefix) throws IOException {
    if (prefix.seq() < 1 || prefix.seq() > lastSeq()) {
      return false;
    }
    long offset = appender.offsets().offsetOf(prefix.seq());
    byte[] line = readLineAt(offset);
    return offset + line.length + 1 == prefix.endOffset()
        && ParsedLine.hashField(line).equals(prefix.hash());
  }

  /**
   * The prefix of entries 1..seq (durable), for a snapshot: the caller, which has read them
   * in order, says which was the last checkpoint and what key chain they make.
   */
  LedgerPrefix prefix(long seq, long lastCheckpoint, List<KeyChain.KeyPeriod> keyPeriods)
      throws IOException {
    if (seq < 1 || seq > lastSeq()) {
      throw new IllegalArgumentException("no durable ledger entry with seq " + seq);
    }
    long offset = appender.offsets().offsetOf(seq);
    byte[] line = readLineAt(offset);
    return new LedgerPrefix(seq, ParsedLine.hashField(line), offset + line.length + 1,
        lastCheckpoint, keyPeriods, appender.offsets().first(seq), tree.leaves(seq));
  }

  /**
   * Reads one durable entry back from the file, so that callers need not keep past entries
   * in memory. Positional reads do not disturb the appender's writes. The line must hash to
   * the leaf the tree holds for it, or this throws {@link LedgerCorruptException}.
   *
   * @throws IllegalArgumentException if no durable entry has this seq
   */
  public LedgerEntry read(long seq) throws IOException {
    long offset = appender.offsets().offsetOf(seq);
    if (offset < 0) {
      throw new IllegalArgumentException("no durable ledger entry with seq " + seq);
    }

    byte[] line = readLineAt(offset);
    LineReader.Line read = new LineReader.Line(offset, line, true, line.length);
    ParsedLine parsed = parse(read, seq);
    checkAgainstTree(parsed, where(read));
    return parsed.entry();
  }

  /**
   * The exact bytes of a durable entry's line, newline excluded (what auditors hash).
   *
   * @throws IllegalArgumentException if no durable entry has this seq
   */
  public byte[] readLine(long seq) throws IOException {
    long offset = appender.offsets().offsetOf(seq);
    if (offset < 0) {
      throw new IllegalArgumentException("no durable ledger entry with seq " + seq);
    }
    return readLineAt(offset);
  }

  private byte[] readLineAt(long offset) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(2048);
    ByteBuffer chunk = ByteBuffer.allocate(4096);
    long position = offset;
    while (line.size() <= EntryFormat.MAX_LINE_BYTES) {
      chunk.clear();
      int read = channel.read(chunk, position);
      if (read <= 0) {
        break;
      }
      for (int i = 0; i < read; i++) {
        if (chunk.get(i) == '\n') {
          line.write(chunk.array(), 0, i);
          return line.toByteArray();
        }
      }
      line.write(chunk.array(), 0, read);
      position += read;
    }
    throw new LedgerCorruptException(-1, "entry at byte offset " + offset + " has no end",
        file.getFileName() + " byte offset " + offset);
  }

  private LedgerEntry parseForReplay(LineReader.Line line, long expected)
      throws LedgerCorruptException {
    return parse(line, expected).entry();
  }

  private String where(LineReader.Line line) {
    return file.getFileName() + " byte offset " + line.offset();
  }

  private ParsedLine parse(LineReader.Line line, long expected)
      throws LedgerCorruptException {
    String where = where(line);
    if (!line.terminated() || line.bytes() == null) {
      throw new LedgerCorruptException(expected, ParsedLine.NOT_JSON, where);
    }
    ParsedLine parsed;
    try {
      parsed = ParsedLine.parse(line.bytes());
    } catch (ParsedLine.MalformedLineException e) {
      throw new LedgerCorruptException(expected, e.getMessage(), where);
    }
    LedgerEntry entry = parsed.entry();
    if (entry.seq() != expected) {
      throw new LedgerCorruptException(expected,
          "expected seq " + expected + ", found " + entry.seq(), where);
    }
    return parsed;
  }

  /**
   * A line read back must be the one the tree holds: a start from a snapshot does not re-hash
   * the entries before it, so an edit made to the file since would otherwise be served (an
   * idempotent replay answering "allow" where "refuse" was signed).
   */
  private void checkAgainstTree(ParsedLine parsed, String where) throws LedgerCorruptException {
    LedgerEntry entry = parsed.entry();
    byte[] hash = parsed.bodyHash();
    if (!HexFormat.of().formatHex(hash).equals(entry.hash())) {
      throw new LedgerCorruptException(entry.seq(), "hash mismatch", where);
    }
    byte[] leaf;
    try {
      leaf = EntryFormat.leafHash(hash, Codec.strictBase64(entry.signature()));
    } catch (IllegalArgumentException e) {
      throw new LedgerCorruptException(entry.seq(), "signature is not base64", where);
    }
    if (!Arrays.equals(leaf, tree.leaf(entry.seq() - 1))) {
      throw new LedgerCorruptException(entry.seq(),
          "entry differs from the one in the Merkle tree", where);
    }
  }

  /**
   * Appends an entry (group-committed, see {@link Appender}). kind must match
   * {@code [a-z][a-z0-9_.-]{0,63}}; data must be canonicalisable (RFC 8785) and its line at
   * most 8 MiB. Those are caller bugs and throw IllegalArgumentException at once; a ledger
   * that cannot write completes the future with {@link LedgerUnavailableException}.
   */
  public CompletableFuture<Receipt> append(String kind, ObjectNode data) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(data, "data");
    if (!EntryFormat.KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException("kind must match " + EntryFormat.KIND + ": " + kind);
    }
    byte[] canonical = Json.canonical(data);
    if (canonical.length > EntryFormat.MAX_LINE_BYTES - 1024) {
      throw new IllegalArgumentException("entry data too large: " + canonical.length
          + " canonical bytes; keep large payloads as blobs and put their hashes here");
    }

    return appender.submit(kind, canonical);
  }

  /** Entries in the Merkle tree: every durable entry (may run ahead of lastSeq briefly). */
  public long treeSize() {
    return tree.size();
  }

  /** RFC 6962 root of the first size entries. */
  public byte[] rootHash(long size) {
    return tree.root(size);
  }

  /** Merkle leaf hash of entry seq (docs/LEDGER.md: leaf of hash || signature). */
  public byte[] leafHash(long seq) {
    return tree.leaf(seq - 1);
  }

  /** Inclusion proof of entry seq in the tree of the first size entries. */
  public List<byte[]> inclusionProof(long seq, long size) {
    return tree.inclusionProof(seq - 1, size);
  }

  /** Consistency proof from the tree of size1 entries to the tree of size2. */
  public List<byte[]> consistencyProof(long size1, long size2) {
    return tree.consistencyProof(size1, size2);
  }

  /** Complete-subtree roots of the first size entries (see HashTree#prefixRange). */
  public List<byte[]> prefixRange(long size) {
    return tree.prefixRange(size);
  }

  /** The log's name in its checkpoints. */
  public String origin() {
    return origin;
  }

  /** The chain of signing keys as recovered at open. */
  public KeyChain keys() {
    return keys;
  }

  /** The key this ledger signs with. */
  public String keyId() {
    return key.keyId();
  }

  public VerifyingKey verifyingKey() {
    return key.verifyingKey();
  }

  /** The content-addressed payload store beside the ledger. */
  public BlobStore blobs() {
    return blobs;
  }

  /** Seq of the latest checkpoint entry this ledger knows of; 0 if none. */
  public long lastCheckpointSeq() {
    return lastCheckpointSeq;
  }

  /**
   * Signs a checkpoint of every entry durable now and appends it as a {@code checkpoint}
   * entry; completes after its fsync. The note's size is the tree size at this call, so the
   * checkpoint entry itself (and whatever is appended meanwhile) comes after it.
   */
  public CompletableFuture<Receipt> checkpoint() {
    long size = tree.size();
    if (size == 0) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("an empty ledger has nothing to checkpoint"));
    }
    byte[] root = tree.root(size);
    String note = Checkpoints.sign(origin, size, root, clock.instant(), key);
    return append(Checkpoints.KIND, Checkpoints.entryData(note, size, root))
        .thenApply(receipt -> {
          lastCheckpointSeq = Math.max(lastCheckpointSeq, receipt.seq());
          return receipt;
        });
  }

  /**
   * Appends a {@code key_rotation} entry, signed by this ledger's key, naming next; then
   * closes this ledger, since its key may sign nothing after that. Reopen with next.
   */
  public Receipt rotateTo(VerifyingKey next) {
    try {
      return append(KeyChain.ROTATION_KIND, KeyChain.rotationData(key.verifyingKey(), next))
          .join();
    } finally {
      close();
    }
  }

  /**
   * Erases a stored payload for privacy: appends a {@code blob_erased} entry naming its
   * SHA-256, then, once that entry is durable, deletes the file. The entries that name the
   * payload keep their hash, so the chain stays intact and verify reports it as erased.
   *
   * @return the erasure entry's receipt
   */
  public CompletableFuture<Receipt> eraseBlob(String sha256) {
    if (!BlobStore.isName(sha256)) {
      throw new IllegalArgumentException("not a lowercase hex SHA-256: " + sha256);
    }
    ObjectNode data = Json.MAPPER.createObjectNode().put("sha256", sha256);
    // Off the appender thread: a delete and a directory fsync must not hold up commits.
    return append(BlobStore.ERASED_KIND, data).thenApplyAsync(receipt -> {
      try {
        blobs.delete(sha256);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return receipt;
    });
  }

  /** Tells observer of every batch made durable and every failed write, from now on. */
  public void observe(LedgerObserver observer) {
    appender.observe(observer);
  }

  /** False once closed, or after a write or fsync failed. */
  public boolean writable() {
    return appender.writable();
  }

  /** Seq of the last durable entry; 0 when empty. */
  public long lastSeq() {
    return appender.lastSeq();
  }

  /**
   * Writes what is queued, stops the appender thread, releases the file and the data
   * directory lock. Idempotent.
   */
  @Override
  public void close() {
    appender.shutdown();
    joinUninterruptibly();
  }

  private void joinUninterruptibly() {
    if (Thread.currentThread() == thread) {
      // close() from a future callback runs on the appender itself: it drains, closes the
      // file and exits on its own once the callback returns.
      return;
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  Appender appender() {
    return appender;
  }

  FileChannel channel() {
    return channel;
  }
}
