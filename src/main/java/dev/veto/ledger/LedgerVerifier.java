package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Offline verification of a ledger file with the public key alone (the auditor's side of
 * docs/LEDGER.md).
 *
 * <p>Checks every line in order, stopping at the first failure: valid JSON, ended by a
 * newline, exactly canonical (RFC 8785), a v1 entry, seq one more than the last, prev equal
 * to the last hash, hash equal to SHA-256 of the canonical BODY, key_id equal to the given
 * key's id, and a valid Ed25519 signature over "veto-ledger-v1\n" + the hash bytes.
 *
 * <p>What it proves: every entry up to the reported count was signed by the holder of the
 * key, in this order, with nothing inserted, removed, reordered or changed in between. What
 * it cannot prove alone: that entries were not cut from the END of the file, or that the key
 * holder did not write a second, different history; that takes a receipt or checkpoint held
 * by someone else (an agent's receipt names a seq and hash the file must still contain).
 *
 * <p>Threading: stateless; each call reads the file once with its own buffers.
 */
public final class LedgerVerifier {

  private static final HexFormat HEX = HexFormat.of();

  private LedgerVerifier() {}

  /** Verifies ledgerFileOrDataDir (a file, or a directory holding ledger.jsonl). */
  public static VerifyReport verify(Path ledgerFileOrDataDir, VerifyingKey key)
      throws IOException {
    Path file = Files.isDirectory(ledgerFileOrDataDir)
        ? ledgerFileOrDataDir.resolve(EntryFormat.FILE_NAME)
        : ledgerFileOrDataDir;
    long verified = 0;
    String prev = EntryFormat.GENESIS_PREV;

    try (LineReader lines = new LineReader(Files.newInputStream(file), Long.MAX_VALUE)) {
      for (LineReader.Line line = lines.next(); line != null; line = lines.next()) {
        long expected = verified + 1;
        String problem = check(line, expected, prev, key);
        if (problem != null) {
          return new VerifyReport(verified, Optional.of(new IntegrityFailure(expected, problem)));
        }
        prev = ParsedLine.hashField(line.bytes());
        verified++;
      }
    }
    return new VerifyReport(verified, Optional.empty());
  }

  /** True if the receipt's signature is valid for its hash under key (key id included). */
  public static boolean verifyReceipt(Receipt receipt, VerifyingKey key) {
    if (receipt == null || !key.keyId().equals(receipt.keyId())
        || !EntryFormat.isLowerHex(receipt.hash(), EntryFormat.HASH_HEX_CHARS)) {
      return false;
    }
    byte[] signature = decodeBase64(receipt.signature());
    byte[] message = EntryFormat.signedMessage(HEX.parseHex(receipt.hash()));
    return signature != null && key.verify(message, signature);
  }

  /** The problem with this line, or null if it verifies. */
  private static String check(LineReader.Line line, long expected, String prev,
                              VerifyingKey key) {
    if (line.bytes() == null) {
      return "line longer than " + EntryFormat.MAX_LINE_BYTES + " bytes";
    }
    String text = new String(line.bytes(), UTF_8);
    if (!isJson(text)) {
      return ParsedLine.NOT_JSON;
    }
    if (!line.terminated()) {
      return "last line has no newline (truncated write)";
    }
    if (!isCanonical(text, line.bytes())) {
      return "not in canonical form (RFC 8785)";
    }
    return checkEntry(line.bytes(), expected, prev, key);
  }

  private static String checkEntry(byte[] bytes, long expected, String prev,
                                   VerifyingKey key) {
    ParsedLine parsed;
    try {
      parsed = ParsedLine.parse(bytes);
    } catch (ParsedLine.MalformedLineException e) {
      return e.getMessage();
    }

    LedgerEntry entry = parsed.entry();
    if (parsed.version() != EntryFormat.VERSION) {
      return "unsupported version " + parsed.version() + " (this verifier knows v1)";
    }
    if (entry.seq() != expected) {
      return "expected seq " + expected + ", found " + entry.seq();
    }
    if (!entry.prev().equals(prev)) {
      return Recovery.prevProblem(expected - 1);
    }
    return checkHashAndSignature(parsed, key);
  }

  private static String checkHashAndSignature(ParsedLine parsed, VerifyingKey key) {
    // The line is canonical, so its BODY bytes are the canonical BODY the hash covers.
    byte[] hash = parsed.bodyHash();
    LedgerEntry entry = parsed.entry();
    if (!HEX.formatHex(hash).equals(entry.hash())) {
      return "hash mismatch";
    }
    if (!key.keyId().equals(entry.keyId())) {
      return "signed by another key: " + entry.keyId();
    }
    byte[] signature = decodeBase64(entry.signature());
    if (signature == null || !key.verify(EntryFormat.signedMessage(hash), signature)) {
      return "bad signature";
    }
    return null;
  }

  private static boolean isJson(String text) {
    try {
      JsonNode node = Json.MAPPER.readTree(text);
      return node != null && node.isObject();
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isCanonical(String text, byte[] bytes) {
    try {
      return Arrays.equals(Json.canonical(text).getBytes(UTF_8), bytes);
    } catch (IOException | RuntimeException e) {
      // JCS refuses some values Jackson reads (numbers beyond double range): not canonical.
      return false;
    }
  }

  /** Strict: only the one standard encoding (padded, zero spare bits) of the bytes. */
  private static byte[] decodeBase64(String text) {
    try {
      byte[] bytes = Base64.getDecoder().decode(text);
      return Base64.getEncoder().encodeToString(bytes).equals(text) ? bytes : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
