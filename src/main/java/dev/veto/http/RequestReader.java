package dev.veto.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.Outcome;
import dev.veto.decision.OutcomeStatus;
import dev.veto.decision.Proposal;
import dev.veto.json.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Turns request bodies into validated domain requests, or an {@link ApiException} naming the
 * field that is wrong. Nothing is recorded for a body that does not pass.
 *
 * <p>Numbers anywhere in {@code args} and {@code context} must be exactly representable as an
 * IEEE double (RFC 8785 and I-JSON): otherwise the canonical form recorded in the ledger would
 * differ from what the agent sent, and a rule could see another amount than the tool.
 */
final class RequestReader {

  static final int MAX_ID_LENGTH = 256;
  static final int MAX_ARGS_DEPTH = 16;
  private static final long MAX_TOKENS = 1_000_000_000_000L;
  /** Counts above 2^53 would not survive the ledger's canonical JSON (IEEE doubles). */
  private static final long MAX_EXACT_COUNT = 1L << 53;
  private static final BigInteger MAX_EXACT_INTEGER = BigInteger.ONE.shiftLeft(53);
  private static final Set<String> PROPOSAL_FIELDS = Set.of("task_id", "agent_id", "tool",
      "args", "step", "idempotency_key", "tokens_used", "context");
  private static final Set<String> OUTCOME_FIELDS =
      Set.of("decision_id", "status", "tokens_used", "response");

  private RequestReader() {}

  static Proposal proposal(byte[] body) {
    ObjectNode root = parseObject(body);
    rejectUnknownFields(root, PROPOSAL_FIELDS);

    String taskId = requiredId(root, "task_id");
    String agentId = requiredId(root, "agent_id");
    String tool = requiredId(root, "tool");
    ObjectNode args = optionalObject(root, "args");
    checkValues(args, "args", 1);
    Long step = optionalCount(root, "step", MAX_EXACT_COUNT);
    String key = optionalId(root, "idempotency_key");
    Long tokens = optionalCount(root, "tokens_used", MAX_TOKENS);
    // null counts as absent: no empty payload blob for it.
    ObjectNode context = root.hasNonNull("context") ? optionalObject(root, "context") : null;
    if (context != null) {
      checkValues(context, "context", 1);
    }

    return new Proposal(taskId, agentId, tool, args, step, key,
        tokens == null ? 0 : tokens, context);
  }

  /**
   * Only {@code application/json}, optionally with {@code charset=utf-8}: a body declared in
   * another charset would be read differently by other parsers.
   */
  static void checkContentType(String header) {
    String[] parts = header == null ? new String[] {""} : header.split(";");
    boolean json = parts[0].trim().equalsIgnoreCase("application/json");
    for (int i = 1; i < parts.length && json; i++) {
      // Parameter names and charset values are case-insensitive; spaces around '=' occur.
      String parameter = parts[i].replaceAll("\\s", "").replace("\"", "")
          .toLowerCase(java.util.Locale.ROOT);
      json = parameter.equals("charset=utf-8") || parameter.equals("charset=utf8");
    }
    if (!json) {
      throw new ApiException(415, "unsupported_media_type",
          "send the body as application/json (UTF-8)", "content-type");
    }
  }


  static Outcome outcome(byte[] body) {
    ObjectNode root = parseObject(body);
    rejectUnknownFields(root, OUTCOME_FIELDS);

    String decisionId = requiredId(root, "decision_id");
    String statusText = requiredId(root, "status");
    OutcomeStatus status = OutcomeStatus.fromWire(statusText).orElseThrow(() ->
        ApiException.badRequest("invalid_field", "status",
            "status must be one of succeeded, failed, unknown"));
    Long tokens = optionalCount(root, "tokens_used", MAX_TOKENS);
    ObjectNode response = root.hasNonNull("response") ? optionalObject(root, "response") : null;
    if (response != null) {
      checkValues(response, "response", 1);
    }

    return new Outcome(decisionId, status, tokens == null ? 0 : tokens, response);
  }

  /**
   * The body of an approver's or operator's request: a JSON object with only the known
   * fields; an empty body reads as {}.
   */
  static ObjectNode controlBody(byte[] body, Set<String> known) {
    ObjectNode root = body.length == 0 ? Json.MAPPER.createObjectNode() : parseObject(body);
    rejectUnknownFields(root, known);
    return root;
  }

  static String requiredText(ObjectNode root, String field) {
    return requiredId(root, field);
  }

  /** A free-text field (a comment, a reason): a string of plain text, at most max chars. */
  static String optionalText(ObjectNode root, String field, int max) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual() || node.asText().length() > max || !isPlainProse(node.asText())) {
      throw ApiException.badRequest("invalid_field", field, field + " must be a string of at"
          + " most " + max + " characters, no control characters but line breaks and tabs");
    }
    return node.asText();
  }

  /** A path parameter that names an id: same rules as ids in bodies. */
  static String pathId(String value, String field) {
    ObjectNode holder = Json.MAPPER.createObjectNode().put(field, value);
    return requiredId(holder, field);
  }

  private static ObjectNode parseObject(byte[] body) {
    if (body.length == 0) {
      throw ApiException.badRequest("empty_body", null, "the request body is empty");
    }
    String text = strictUtf8(body);
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(text);
    } catch (StreamConstraintsException e) {
      throw ApiException.badRequest("limit_exceeded", null,
          "the body exceeds a parser limit (nesting depth " + Json.MAX_NESTING_DEPTH
              + ", number length " + Json.MAX_NUMBER_LENGTH + " characters)");
    } catch (JsonProcessingException e) {
      throw malformed(e);
    } catch (IOException | RuntimeException e) {
      // Jackson reports some number-syntax limits as NumberFormatException.
      throw ApiException.badRequest("malformed_json", null,
          "the body cannot be read as JSON (a number is out of range or malformed)");
    }
    if (root == null || !root.isObject()) {
      throw ApiException.badRequest("malformed_json", null, "the body must be a JSON object");
    }
    return (ObjectNode) root;
  }

  /**
   * Decodes the body as strict UTF-8 (RFC 8259): overlong forms, surrogates encoded in UTF-8,
   * other encodings and a byte order mark are rejected, so that the bytes the agent sent and
   * the text Veto decides on cannot differ.
   */
  private static String strictUtf8(byte[] body) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("malformed_json", null, "the body is not valid UTF-8");
    }
    if (text.startsWith("\uFEFF")) {
      throw ApiException.badRequest("malformed_json", null,
          "the body starts with a byte order mark; send plain UTF-8");
    }
    return text;
  }

  private static ApiException malformed(JsonProcessingException e) {
    String message = firstLine(e);
    if (message.startsWith("Duplicate field")) {
      String field = message.replaceAll("^Duplicate field '([^']*)'.*$", "$1");
      return ApiException.badRequest("duplicate_key", field,
          "the key '" + field + "' appears twice in one object");
    }
    String where = e.getLocation() == null ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    return ApiException.badRequest("malformed_json", null,
        "the body is not valid JSON" + where + ": " + plainReason(e, message));
  }

  /** The parser's reason without its Java class and option names, which mean nothing here. */
  private static String plainReason(JsonProcessingException e, String message) {
    if (e instanceof JsonEOFException) {
      return "unexpected end of input (truncated body?)";
    }
    if (message.startsWith("Trailing token")) {
      return "there is more after the JSON object";
    }
    int hint = message.indexOf(": was expecting");
    String plain = message
        .replaceAll("\\(bound as `[^`]*`\\)", "")
        .replaceAll("(?i)[;:(]?\\s*(to allow|to accept|set|enable|use)\\b[^`]*`[^`]*`.*$", "")
        .replaceAll("`[^`]*`", "")
        // What the caller sent is not echoed: it may be a secret pasted in the wrong place.
        .replaceAll("'[^']{2,}'", "'…'")
        .trim();
    if (hint > 0 && plain.length() > hint + 60) {
      plain = plain.substring(0, hint + 60) + "…";
    }
    return plain.isEmpty() ? "unexpected content" : plain;
  }

  private static String firstLine(JsonProcessingException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static void rejectUnknownFields(ObjectNode root, Set<String> known) {
    Iterator<String> names = root.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        throw ApiException.badRequest("unknown_field", name,
            "unknown field '" + safe(name) + "'; expected one of " + known);
      }
    }
  }

  private static String requiredId(ObjectNode root, String field) {
    String value = optionalId(root, field);
    if (value == null) {
      throw ApiException.badRequest("missing_field", field, field + " is required");
    }
    return value;
  }

  private static String optionalId(ObjectNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw ApiException.badRequest("invalid_field", field, field + " must be a string");
    }
    String value = node.asText();
    if (value.isBlank()) {
      throw ApiException.badRequest("invalid_field", field, field + " must not be empty");
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw ApiException.badRequest("invalid_field", field,
          field + " is longer than " + MAX_ID_LENGTH + " characters");
    }
    if (!isPlainText(value)) {
      throw ApiException.badRequest("invalid_field", field,
          field + " contains control characters or invalid Unicode");
    }
    return value;
  }

  private static ObjectNode optionalObject(ObjectNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return Json.MAPPER.createObjectNode();
    }
    if (!node.isObject()) {
      throw ApiException.badRequest("invalid_field", field, field + " must be a JSON object");
    }
    return (ObjectNode) node;
  }

  private static Long optionalCount(ObjectNode root, String field, long max) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw ApiException.badRequest("invalid_field", field,
          field + " must be a whole number between 0 and " + max);
    }
    long value = node.asLong();
    if (value < 0 || value > max) {
      throw ApiException.badRequest("invalid_field", field,
          field + " must be a whole number between 0 and " + max);
    }
    return value;
  }

  /** Checks depth, numbers and strings of a free-form value, naming the path of a bad one. */
  private static void checkValues(JsonNode node, String path, int depth) {
    if (depth > MAX_ARGS_DEPTH) {
      throw ApiException.badRequest("too_deep", path,
          path + " is nested deeper than " + MAX_ARGS_DEPTH + " levels");
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String childPath = path + "." + field.getKey();
        if (!isValidUnicode(field.getKey())) {
          throw ApiException.badRequest("invalid_field", path, "a key in " + path
              + " contains invalid Unicode (a lone surrogate)");
        }
        checkValues(field.getValue(), childPath, depth + 1);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkValues(node.get(i), path + "[" + i + "]", depth + 1);
      }
    } else if (node.isNumber()) {
      checkExact(node, path);
    } else if (node.isTextual() && !isValidUnicode(node.asText())) {
      throw ApiException.badRequest("invalid_field", path,
          path + " contains invalid Unicode (a lone surrogate)");
    }
  }

  private static void checkExact(JsonNode number, String path) {
    boolean exact;
    try {
      exact = isExact(number);
    } catch (ArithmeticException | NumberFormatException e) {
      exact = false;
    }
    if (!exact) {
      throw ApiException.badRequest("number_not_exact", path, path
          + " is a number that cannot be handled exactly (beyond IEEE double precision);"
          + " send it as a string");
    }
  }

  private static boolean isExact(JsonNode number) {
    boolean exact;
    if (number.isIntegralNumber()) {
      exact = number.bigIntegerValue().abs().compareTo(MAX_EXACT_INTEGER) <= 0;
    } else {
      BigDecimal value = number.decimalValue();
      double nearest = value.doubleValue();
      exact = Double.isFinite(nearest)
          && new BigDecimal(Double.toString(nearest)).compareTo(value) == 0;
    }
    return exact;
  }

  private static boolean isPlainText(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || isBidiControl(c) || isLineSeparator(c)) {
        return false;
      }
    }
    return isValidUnicode(value);
  }

  /**
   * Bidirectional embeddings, overrides and isolates: an id with them shows as another id
   * on a page or in a log.
   */
  private static boolean isBidiControl(char c) {
    return (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
        || c == '\u200E' || c == '\u200F' || c == '\u061C';
  }

  /** U+2028 and U+2029 end a line for many readers: an id or a log line would split. */
  private static boolean isLineSeparator(char c) {
    return c == '\u2028' || c == '\u2029';
  }

  /** Free text (a comment, a reason) may span lines; other control characters are out. */
  private static boolean isPlainProse(String value) {
    return isPlainText(value.replace('\n', ' ').replace('\r', ' ').replace('\t', ' '));
  }

  private static boolean isValidUnicode(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static String safe(String name) {
    String shown = name.length() > 64 ? name.substring(0, 64) + "…" : name;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }
}
