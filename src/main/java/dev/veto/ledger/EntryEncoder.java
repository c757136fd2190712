package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.veto.crypto.SigningKey;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Builds lines into one growing batch buffer: BODY, then its hash, then its signature.
 *
 * <p>BODY is assembled from fixed ASCII pieces around the data's canonical bytes, in RFC 8785
 * key order (data, key_id, kind, prev, seq, time, v). That is byte-identical to canonicalising
 * the whole BODY tree, because every other value is a plain ASCII string needing no escape
 * (kind is restricted to {@link EntryFormat#KIND}) or a small integer, and canonicalising an
 * object embeds its members' canonical forms; LedgerFormatTest checks it against
 * Json.canonical. It saves a full tree copy and a second parse per entry.
 *
 * <p>Not thread-safe: owned by the appender thread. The chain state (seq, prev) lives in the
 * caller, which commits it only once the batch is durable.
 */
final class EntryEncoder {

  private static final HexFormat HEX = HexFormat.of();
  private static final int INITIAL_BYTES = 64 * 1024;
  private static final int SHRINK_ABOVE_BYTES = 4 << 20;
  private static final byte[] DATA = EntryFormat.ascii("{\"data\":");
  private static final byte[] KEY_ID = EntryFormat.ascii(",\"key_id\":\"");
  private static final byte[] KIND = EntryFormat.ascii("\",\"kind\":\"");
  private static final byte[] PREV = EntryFormat.ascii("\",\"prev\":\"");
  private static final byte[] SEQ = EntryFormat.ascii("\",\"seq\":");
  private static final byte[] TIME = EntryFormat.ascii(",\"time\":\"");
  private static final byte[] VERSION = EntryFormat.ascii("\",\"v\":" + EntryFormat.VERSION + "}");

  /** Batches smaller than this are signed on the appender thread alone. */
  private static final int PARALLEL_FROM = 4;

  /** Helps the appender sign large batches; null on a single core. */
  private static final ExecutorService SIGNERS = signers();

  private final SigningKey key;
  private final byte[] keyId;
  private final Clock clock;
  private final MessageDigest digest = EntryFormat.sha256();
  private final Base64.Encoder base64 = Base64.getEncoder();
  private final List<byte[]> leafHashes = new ArrayList<>();
  private byte[] buffer = new byte[INITIAL_BYTES];
  private int size;
  private long cachedMillis = Long.MIN_VALUE;
  private byte[] cachedTime;

  private static ExecutorService signers() {
    if (Runtime.getRuntime().availableProcessors() < 2) {
      return null;
    }
    return Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "veto-ledger-signer");
      thread.setDaemon(true);
      return thread;
    });
  }

  EntryEncoder(SigningKey key, Clock clock) {
    this.key = key;
    this.keyId = EntryFormat.ascii(key.keyId());
    this.clock = clock;
  }

  /** Empties the batch buffer (keeping its capacity). */
  void reset() {
    size = 0;
    leafHashes.clear();
    if (buffer.length > SHRINK_ABOVE_BYTES) {
      // One huge entry should not pin megabytes for the life of the process.
      buffer = new byte[INITIAL_BYTES];
    }
  }

  byte[] buffer() {
    return buffer;
  }

  int size() {
    return size;
  }

  /** Merkle leaf hashes of the lines signed since {@link #reset}, in order. */
  List<byte[]> leafHashes() {
    return leafHashes;
  }

  /** Appends one complete line (with newline) and returns its receipt. */
  Receipt append(long seq, String prev, String kind, byte[] canonicalData) {
    Unsigned line = appendUnsigned(seq, prev, kind, canonicalData);
    return signAll(List.of(line)).get(0);
  }

  /**
   * Appends one line whose signature is left blank (the tail has a fixed length, so the
   * signature's place is known); {@link #signAll} fills it in. The chain needs only the
   * hash, so a batch's lines are hashed in order here and signed afterwards, in parallel.
   */
  Unsigned appendUnsigned(long seq, String prev, String kind, byte[] canonicalData) {
    put(EntryFormat.LINE_PREFIX);
    int bodyStart = size;
    putBody(seq, prev, kind, canonicalData);
    digest.update(buffer, bodyStart, size - bodyStart);
    byte[] hash = digest.digest();

    String hashHex = HEX.formatHex(hash);
    put(EntryFormat.HASH_INFIX);
    putAscii(hashHex);
    put(EntryFormat.SIG_INFIX);
    int signatureAt = size;
    ensure(EntryFormat.SIGNATURE_BASE64_CHARS);
    size += EntryFormat.SIGNATURE_BASE64_CHARS;
    put(EntryFormat.LINE_SUFFIX);
    ensure(1);
    buffer[size++] = EntryFormat.NEWLINE;
    return new Unsigned(seq, hash, hashHex, signatureAt);
  }

  /**
   * Signs the batch's lines and writes each signature into its place. Ed25519 signing is the
   * most expensive step of an append (about 27 us here), and a batch waits for all of its
   * signatures before its one write and fsync; so a large batch is signed on several cores.
   */
  List<Receipt> signAll(List<Unsigned> lines) {
    byte[][] signatures = new byte[lines.size()][];
    if (lines.size() < PARALLEL_FROM || SIGNERS == null) {
      signRange(lines, signatures, 0, lines.size());
    } else {
      int half = lines.size() / 2;
      Future<?> other = SIGNERS.submit(() -> signRange(lines, signatures, half, lines.size()));
      signRange(lines, signatures, 0, half);
      await(other);
    }

    List<Receipt> receipts = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      Unsigned line = lines.get(i);
      byte[] encoded = base64.encode(signatures[i]);
      System.arraycopy(encoded, 0, buffer, line.signatureAt(), encoded.length);
      leafHashes.add(EntryFormat.leafHash(line.hash(), signatures[i]));
      receipts.add(new Receipt(line.seq(), line.hashHex(), new String(encoded, US_ASCII),
          key.keyId()));
    }
    return receipts;
  }

  private void signRange(List<Unsigned> lines, byte[][] signatures, int from, int to) {
    for (int i = from; i < to; i++) {
      signatures[i] = key.sign(EntryFormat.signedMessage(lines.get(i).hash()));
    }
  }

  private static void await(Future<?> signing) {
    try {
      signing.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signing a batch", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("signing a batch failed", e.getCause());
    }
  }

  /** A line of the batch whose signature is still blank. */
  record Unsigned(long seq, byte[] hash, String hashHex, int signatureAt) {}

  private void putBody(long seq, String prev, String kind, byte[] canonicalData) {
    put(DATA);
    put(canonicalData);
    put(KEY_ID);
    put(keyId);
    put(KIND);
    putAscii(kind);
    put(PREV);
    putAscii(prev);
    put(SEQ);
    putAscii(Long.toString(seq));
    put(TIME);
    put(time());
    put(VERSION);
  }

  private byte[] time() {
    // Many entries share a millisecond under load; format each millisecond once.
    long millis = clock.millis();
    if (millis != cachedMillis) {
      cachedTime = EntryFormat.ascii(EntryFormat.TIME.format(java.time.Instant.ofEpochMilli(
          millis)));
      cachedMillis = millis;
    }
    return cachedTime;
  }

  private void put(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buffer, size, bytes.length);
    size += bytes.length;
  }

  @SuppressWarnings("deprecation")
  private void putAscii(String ascii) {
    // Callers pass ASCII only (hex, digits, KIND); the deprecated getBytes copies it directly.
    ensure(ascii.length());
    ascii.getBytes(0, ascii.length(), buffer, size);
    size += ascii.length();
  }

  private void ensure(int more) {
    if (size + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
    }
  }
}
