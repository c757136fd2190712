package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.veto.crypto.SigningKey;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

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

  private final SigningKey key;
  private final byte[] keyId;
  private final Clock clock;
  private final MessageDigest digest = EntryFormat.sha256();
  private final Base64.Encoder base64 = Base64.getEncoder();
  private byte[] buffer = new byte[INITIAL_BYTES];
  private int size;
  private long cachedMillis = Long.MIN_VALUE;
  private byte[] cachedTime;

  EntryEncoder(SigningKey key, Clock clock) {
    this.key = key;
    this.keyId = EntryFormat.ascii(key.keyId());
    this.clock = clock;
  }

  /** Empties the batch buffer (keeping its capacity). */
  void reset() {
    size = 0;
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

  /** Appends one complete line (with newline) and returns its receipt. */
  Receipt append(long seq, String prev, String kind, byte[] canonicalData) {
    put(EntryFormat.LINE_PREFIX);
    int bodyStart = size;
    putBody(seq, prev, kind, canonicalData);
    digest.update(buffer, bodyStart, size - bodyStart);
    byte[] hash = digest.digest();

    String hashHex = HEX.formatHex(hash);
    byte[] signature = base64.encode(key.sign(EntryFormat.signedMessage(hash)));
    putTail(hashHex, signature);
    return new Receipt(seq, hashHex, new String(signature, US_ASCII), key.keyId());
  }

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

  private void putTail(String hashHex, byte[] signature) {
    put(EntryFormat.HASH_INFIX);
    putAscii(hashHex);
    put(EntryFormat.SIG_INFIX);
    put(signature);
    put(EntryFormat.LINE_SUFFIX);
    ensure(1);
    buffer[size++] = EntryFormat.NEWLINE;
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
