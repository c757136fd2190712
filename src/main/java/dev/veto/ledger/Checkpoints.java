package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.SigningKey;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * Signed checkpoints in the C2SP formats public transparency logs use, so that existing
 * tools (transparency-dev/formats, sigsum, Go's note package) can read them:
 *
 * <pre>
 * veto.dev/ledger/3f0c9a7d12e4b865      origin (tlog-checkpoint line 1)
 * 1204                                  tree size, decimal
 * 3q2+7w...=                            root hash, standard base64
 * time 2026-12-03T16:00:00.123Z         extension line (tlog-checkpoint allows them)
 *
 * — veto.dev/ledger/3f0c9a7d12e4b865 BASE64(key hash[4] || Ed25519 signature[64])
 * </pre>
 *
 * <p>The signature is a C2SP signed-note Ed25519 signature over the note text (every line
 * up to and including the newline before the blank line); the key hash is the first 4 bytes
 * of SHA-256(name || 0x0A || 0x01 || raw public key). The key name is the origin, which is
 * derived from the id of the ledger's first key and so never changes when keys rotate.
 *
 * <p>Stateless; thread-safe.
 */
public final class Checkpoints {

  static final String KIND = "checkpoint";
  private static final String ORIGIN_PREFIX = "veto.dev/ledger/";
  private static final String TIME_PREFIX = "time ";
  private static final String DASH = "\u2014 ";
  private static final byte ED25519_ALGORITHM = 0x01;

  /** A parsed, signature-checked checkpoint. */
  public record Checkpoint(String origin, long size, byte[] root, String time, String note) {}

  private Checkpoints() {}

  /** The log's name, from the id of the key that signed entry 1. */
  public static String origin(String firstKeyId) {
    return ORIGIN_PREFIX + firstKeyId.substring(firstKeyId.indexOf(':') + 1);
  }

  /** The signed note for a tree of size leaves with this root, signed now by key. */
  static String sign(String origin, long size, byte[] root, Instant time, SigningKey key) {
    String text = origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root)
        + "\n" + TIME_PREFIX + EntryFormat.TIME.format(time) + "\n";
    byte[] signature = key.sign(text.getBytes(UTF_8));
    byte[] keyHash = keyHash(origin, key.verifyingKey());
    byte[] both = new byte[keyHash.length + signature.length];
    System.arraycopy(keyHash, 0, both, 0, keyHash.length);
    System.arraycopy(signature, 0, both, keyHash.length, signature.length);
    return text + "\n" + DASH + origin + " " + Base64.getEncoder().encodeToString(both) + "\n";
  }

  /** The data of a checkpoint entry. */
  static ObjectNode entryData(String note, long size, byte[] root) {
    ObjectNode data = Json.MAPPER.createObjectNode();
    data.put("note", note);
    data.put("root_hash", Codec.hex(root));
    data.put("size", size);
    return data;
  }

  /**
   * Parses a signed note and checks its signature by key under the expected origin.
   * Strict: exactly the four lines Veto writes and exactly one signature line, so a single
   * changed byte anywhere in the note is a failure.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Checkpoint verify(String note, String origin, VerifyingKey key) {
    int blank = note.indexOf("\n\n");
    if (blank < 0 || !note.endsWith("\n")) {
      throw new IllegalArgumentException("checkpoint is not a signed note (no blank line)");
    }
    String text = note.substring(0, blank + 1);
    String[] lines = text.split("\n", -1);
    if (lines.length != 5 || !lines[4].isEmpty()) {
      throw new IllegalArgumentException("checkpoint must have 4 lines of text");
    }
    if (!lines[0].equals(origin)) {
      throw new IllegalArgumentException("checkpoint origin is '" + lines[0]
          + "', expected '" + origin + "'");
    }
    long size = parseSize(lines[1]);
    byte[] root = Codec.strictBase64(lines[2]);
    if (root == null || root.length != 32) {
      throw new IllegalArgumentException("checkpoint root is not 32 bytes in base64");
    }
    if (!lines[3].startsWith(TIME_PREFIX)) {
      throw new IllegalArgumentException("checkpoint has no time line");
    }
    checkSignature(note.substring(blank + 2), text, origin, key);
    return new Checkpoint(origin, size, root, lines[3].substring(TIME_PREFIX.length()), note);
  }

  /** Reads a checkpoint entry's data: the note must agree with size and root_hash. */
  static Checkpoint fromEntry(JsonNode data, String origin, VerifyingKey key) {
    if (data.size() != 3 || !data.path("note").isTextual()) {
      throw new IllegalArgumentException("checkpoint data must be {note, root_hash, size}");
    }
    Checkpoint checkpoint = verify(data.get("note").asText(), origin, key);
    if (data.path("size").asLong(-1) != checkpoint.size()
        || !Codec.hex(checkpoint.root()).equals(data.path("root_hash").asText())) {
      throw new IllegalArgumentException("checkpoint size or root_hash differ from its note");
    }
    return checkpoint;
  }

  private static void checkSignature(String signatures, String text, String origin,
                                     VerifyingKey key) {
    String prefix = DASH + origin + " ";
    if (!signatures.startsWith(prefix) || signatures.indexOf('\n') != signatures.length() - 1) {
      throw new IllegalArgumentException("checkpoint must have one signature line by "
          + origin);
    }
    byte[] both = Codec.strictBase64(signatures.substring(prefix.length(),
        signatures.length() - 1));
    if (both == null || both.length != 4 + VerifyingKey.SIGNATURE_LENGTH) {
      throw new IllegalArgumentException("checkpoint signature is not 68 bytes in base64");
    }
    if (!Arrays.equals(both, 0, 4, keyHash(origin, key), 0, 4)) {
      throw new IllegalArgumentException("checkpoint is signed by another key than "
          + key.keyId());
    }
    if (!key.verify(text.getBytes(UTF_8), Arrays.copyOfRange(both, 4, both.length))) {
      throw new IllegalArgumentException("checkpoint signature is bad");
    }
  }

  private static long parseSize(String line) {
    if (!line.matches("0|[1-9][0-9]{0,17}")) {
      throw new IllegalArgumentException("checkpoint size is not a decimal number");
    }
    return Long.parseLong(line);
  }

  /** C2SP signed-note key hash: SHA-256(name || "\n" || 0x01 || key)[:4]. */
  static byte[] keyHash(String name, VerifyingKey key) {
    MessageDigest digest = EntryFormat.sha256();
    digest.update(name.getBytes(UTF_8));
    digest.update((byte) '\n');
    digest.update(ED25519_ALGORITHM);
    digest.update(key.raw());
    return Arrays.copyOf(digest.digest(), 4);
  }
}
