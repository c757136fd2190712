package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.json.Json;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * One line split into its fixed envelope and parsed BODY. Checks shape and field types only,
 * never the chain, hash or signature: callers decide which of those they can afford.
 */
record ParsedLine(byte[] line, int bodyEnd, LedgerEntry entry, int version) {

  static final String NOT_JSON = "not valid JSON (truncated or corrupted line)";

  private static final Set<String> BODY_FIELDS =
      Set.of("data", "key_id", "kind", "prev", "seq", "time", "v");

  /** Thrown for a line that is not a well-formed entry; problem says why. */
  static final class MalformedLineException extends Exception {

    private static final long serialVersionUID = 1L;

    MalformedLineException(String problem) {
      super(problem, null, false, false);
    }
  }

  static int bodyStart() {
    return EntryFormat.LINE_PREFIX.length;
  }

  /** Parses a line (newline excluded). */
  static ParsedLine parse(byte[] line) throws MalformedLineException {
    int bodyEnd = line.length - EntryFormat.TAIL_LENGTH;
    if (bodyEnd < bodyStart() + 2 || !hasEnvelope(line, bodyEnd)) {
      throw new MalformedLineException(NOT_JSON);
    }

    String hash = ascii(line, bodyEnd + EntryFormat.HASH_INFIX.length,
        EntryFormat.HASH_HEX_CHARS);
    int sigStart = line.length - EntryFormat.LINE_SUFFIX.length
        - EntryFormat.SIGNATURE_BASE64_CHARS;
    String signature = ascii(line, sigStart, EntryFormat.SIGNATURE_BASE64_CHARS);
    if (!EntryFormat.isLowerHex(hash, EntryFormat.HASH_HEX_CHARS)) {
      throw new MalformedLineException("not a ledger entry: hash is not 64 lowercase hex");
    }

    ObjectNode body = parseBody(line, bodyEnd);
    return new ParsedLine(line, bodyEnd, toEntry(body, hash, signature), version(body));
  }

  /** True if the line is a well-formed entry (used to tell a torn tail from damage). */
  static boolean isEntry(byte[] line) {
    try {
      parse(line);
      return true;
    } catch (MalformedLineException e) {
      return false;
    }
  }

  /** The hash field of a line that {@link #parse} accepted. */
  static String hashField(byte[] line) {
    int from = line.length - EntryFormat.TAIL_LENGTH + EntryFormat.HASH_INFIX.length;
    return ascii(line, from, EntryFormat.HASH_HEX_CHARS);
  }

  /** SHA-256 of the BODY bytes exactly as they stand in the line. */
  byte[] bodyHash() {
    var digest = EntryFormat.sha256();
    digest.update(line, bodyStart(), bodyEnd - bodyStart());
    return digest.digest();
  }

  private static boolean hasEnvelope(byte[] line, int bodyEnd) {
    int sigInfix = bodyEnd + EntryFormat.HASH_INFIX.length + EntryFormat.HASH_HEX_CHARS;
    int suffix = line.length - EntryFormat.LINE_SUFFIX.length;
    return regionEquals(line, 0, EntryFormat.LINE_PREFIX)
        && regionEquals(line, bodyEnd, EntryFormat.HASH_INFIX)
        && regionEquals(line, sigInfix, EntryFormat.SIG_INFIX)
        && regionEquals(line, suffix, EntryFormat.LINE_SUFFIX);
  }

  private static boolean regionEquals(byte[] line, int from, byte[] expected) {
    return Arrays.equals(line, from, from + expected.length, expected, 0, expected.length);
  }

  private static ObjectNode parseBody(byte[] line, int bodyEnd) throws MalformedLineException {
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(line, bodyStart(), bodyEnd - bodyStart());
    } catch (IOException e) {
      throw new MalformedLineException(NOT_JSON);
    }
    if (!(body instanceof ObjectNode object)) {
      throw new MalformedLineException("not a ledger entry: entry is not an object");
    }
    checkFields(object);
    return object;
  }

  private static void checkFields(ObjectNode body) throws MalformedLineException {
    Set<String> names = new TreeSet<>();
    body.fieldNames().forEachRemaining(names::add);
    if (!names.equals(BODY_FIELDS)) {
      throw new MalformedLineException(
          "not a ledger entry: fields are " + names + ", expected " + BODY_FIELDS);
    }
    require(body.get("seq").canConvertToExactIntegral() && body.get("seq").canConvertToLong(),
        "seq is not an integer");
    require(body.get("v").isIntegralNumber(), "v is not an integer");
    require(body.get("data").isObject(), "data is not an object");
    for (String text : new String[] {"key_id", "kind", "prev", "time"}) {
      require(body.get(text).isTextual(), text + " is not a string");
    }
  }

  private static void require(boolean ok, String problem) throws MalformedLineException {
    if (!ok) {
      throw new MalformedLineException("not a ledger entry: " + problem);
    }
  }

  private static LedgerEntry toEntry(ObjectNode body, String hash, String signature) {
    return new LedgerEntry(body.get("seq").asLong(), body.get("prev").asText(),
        body.get("time").asText(), body.get("kind").asText(), (ObjectNode) body.get("data"),
        body.get("key_id").asText(), hash, signature);
  }

  private static int version(ObjectNode body) {
    return body.get("v").asInt();
  }

  private static String ascii(byte[] line, int from, int length) {
    return new String(line, from, length, US_ASCII);
  }
}
