package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Constants and helpers of the line format v1 (docs/LEDGER.md is the spec):
 * {@code {"entry":BODY,"hash":"<64 hex>","sig":"<88 base64>"}\n}.
 *
 * <p>Because "entry" < "hash" < "sig" and the hash and signature strings need no escaping, a
 * line is canonical exactly when BODY is, so the envelope is fixed bytes around BODY.
 */
final class EntryFormat {

  static final int VERSION = 1;
  static final int HASH_BYTES = 32;
  static final int HASH_HEX_CHARS = 64;
  static final int SIGNATURE_BASE64_CHARS = 88;
  static final String GENESIS_PREV = "0".repeat(HASH_HEX_CHARS);
  static final String FILE_NAME = "ledger.jsonl";

  /** Longest line accepted, newline excluded; bounds memory when reading a damaged file. */
  static final int MAX_LINE_BYTES = 8 << 20;

  static final byte[] LINE_PREFIX = ascii("{\"entry\":");
  static final byte[] HASH_INFIX = ascii(",\"hash\":\"");
  static final byte[] SIG_INFIX = ascii("\",\"sig\":\"");
  static final byte[] LINE_SUFFIX = ascii("\"}");
  static final byte NEWLINE = '\n';

  /** Bytes after BODY up to (not including) the newline. */
  static final int TAIL_LENGTH = HASH_INFIX.length + HASH_HEX_CHARS + SIG_INFIX.length
      + SIGNATURE_BASE64_CHARS + LINE_SUFFIX.length;

  /** Domain separation: a ledger signature can never be replayed as any other signature. */
  private static final byte[] SIGNING_DOMAIN = ascii("veto-ledger-v1\n");

  /** Kinds are tags, not text: no escaping ever needed, nothing to smuggle. */
  static final Pattern KIND = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");

  static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private EntryFormat() {}

  /** The bytes an entry's signature covers: the domain string, then the 32 raw hash bytes. */
  static byte[] signedMessage(byte[] hash) {
    byte[] message = new byte[SIGNING_DOMAIN.length + hash.length];
    System.arraycopy(SIGNING_DOMAIN, 0, message, 0, SIGNING_DOMAIN.length);
    System.arraycopy(hash, 0, message, SIGNING_DOMAIN.length, hash.length);
    return message;
  }

  /**
   * The Merkle leaf of an entry: RFC 6962 leaf hash of the 96 bytes hash || signature (raw).
   * Those two determine the whole line (BODY by its SHA-256), and a receipt carries both, so
   * an agent can compute its leaf without the entry; hashing 96 bytes also keeps the cost
   * per entry near a microsecond on the appender thread and at start-up.
   */
  static byte[] leafHash(byte[] hash, byte[] signature) {
    byte[] input = new byte[HASH_BYTES + signature.length];
    System.arraycopy(hash, 0, input, 0, HASH_BYTES);
    System.arraycopy(signature, 0, input, HASH_BYTES, signature.length);
    return dev.veto.ledger.merkle.MerkleHash.leafHash(input);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  static byte[] ascii(String text) {
    return text.getBytes(US_ASCII);
  }

  static boolean isLowerHex(String text, int length) {
    if (text == null || text.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }
}
