package dev.veto.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A proposed tool call as rules see it. Immutable; built once per request by {@link #of}.
 *
 * <p>The tool name is normalised (NFKC, trimmed, lower case) so that fullwidth or styled
 * letters cannot dodge a rule, and {@link #isAsciiName()} tells whether what is left is plain
 * ASCII: a name with letters from other scripts may be a look-alike of a harmless tool.
 * Numbers in arguments are {@link BigDecimal}, so 10, 10.0 and 1e1 compare equal.
 */
public final class ToolCall {

  private static final Pattern ASCII_NAME = Pattern.compile("[a-z0-9_.:-]+");

  /** Anything that is not a letter or digit separates words (snake, kebab, dots, spaces). */
  private static final Pattern SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");

  /** camelCase and acronym boundaries: "BankManager" and "FHIRManage". */
  private static final Pattern CAMEL =
      Pattern.compile("(?<=[\\p{Ll}\\p{N}])(?=\\p{Lu})|(?<=\\p{Lu})(?=\\p{Lu}\\p{Ll})");

  private final String taskId;
  private final String agentId;
  private final String rawTool;
  private final String tool;
  private final boolean asciiName;
  private final List<String> words;
  private final Map<String, Object> args;
  private final long step;
  private final String idempotencyKey;
  private final long tokensUsed;

  private ToolCall(String taskId, String agentId, String rawTool, JsonNode args, Long step,
      String idempotencyKey, long tokensUsed) {
    this.taskId = taskId;
    this.agentId = agentId;
    this.rawTool = rawTool;
    this.tool = normaliseName(rawTool);
    this.asciiName = ASCII_NAME.matcher(tool).matches();
    this.words = splitWords(rawTool);
    this.args = argsOf(args);
    this.step = step == null ? 0 : step;
    this.idempotencyKey = idempotencyKey;
    this.tokensUsed = tokensUsed;
  }

  /** args may be null or an object; anything else is a caller bug. */
  public static ToolCall of(String taskId, String agentId, String tool, JsonNode args, Long step,
      String idempotencyKey, long tokensUsed) {
    Objects.requireNonNull(tool, "tool");
    if (args != null && !args.isNull() && !args.isObject()) {
      throw new IllegalArgumentException("args must be a JSON object, got " + args.getNodeType());
    }
    return new ToolCall(taskId, agentId, tool, args, step, idempotencyKey, tokensUsed);
  }

  /** NFKC, trimmed, lower case: the one spelling rules and the catalogue compare. */
  static String normaliseName(String name) {
    return Normalizer.normalize(name, Normalizer.Form.NFKC).trim().toLowerCase(Locale.ROOT);
  }

  static List<String> splitWords(String name) {
    String nfkc = Normalizer.normalize(name, Normalizer.Form.NFKC);
    List<String> out = new ArrayList<>();
    for (String part : SEPARATORS.split(nfkc)) {
      for (String word : CAMEL.split(part)) {
        if (!word.isEmpty()) {
          out.add(word.toLowerCase(Locale.ROOT));
        }
      }
    }
    return List.copyOf(out);
  }

  private static Map<String, Object> argsOf(JsonNode args) {
    if (args == null || args.isNull()) {
      return Map.of();
    }
    return objectOf(args);
  }

  private static Map<String, Object> objectOf(JsonNode node) {
    Map<String, Object> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      out.put(field.getKey(), valueOf(field.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  /** JSON null stays null: a map value may be absent or null, rules check both the same way. */
  private static Object valueOf(JsonNode node) {
    if (node.isNumber()) {
      return node.decimalValue();
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isObject()) {
      return objectOf(node);
    }
    if (node.isArray()) {
      List<Object> items = new ArrayList<>(node.size());
      node.forEach(item -> items.add(valueOf(item)));
      return Collections.unmodifiableList(items);
    }
    return null;
  }

  public String getTaskId() {
    return taskId;
  }

  public String getAgentId() {
    return agentId;
  }

  /** The name exactly as the agent sent it. */
  public String getRawTool() {
    return rawTool;
  }

  /** NFKC, trimmed, lower case. */
  public String getTool() {
    return tool;
  }

  /** True when the normalised name is made of [a-z0-9_.:-] only. */
  public boolean isAsciiName() {
    return asciiName;
  }

  /** Lower-case words of the name, split on separators and camelCase. */
  public List<String> getWords() {
    return words;
  }

  public Map<String, Object> getArgs() {
    return args;
  }

  public Set<String> getArgNames() {
    return args.keySet();
  }

  public long getStep() {
    return step;
  }

  /** Null when the agent sent none. */
  public String getIdempotencyKey() {
    return idempotencyKey;
  }

  public boolean hasIdempotencyKey() {
    return idempotencyKey != null && !idempotencyKey.isBlank();
  }

  /** Bean-style twin of {@link #hasIdempotencyKey()} for DRL property syntax. */
  public boolean isIdempotencyKeyPresent() {
    return hasIdempotencyKey();
  }

  public long getTokensUsed() {
    return tokensUsed;
  }

  @Override
  public String toString() {
    return "ToolCall[" + tool + ", task=" + taskId + ", step=" + step + "]";
  }
}
