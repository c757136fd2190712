package dev.veto.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
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

  /**
   * SQL comments. A value is matched as sent and with its comments blanked, so that
   * DROP/x/TABLE cannot dodge the pattern and a "#" (a comment in MySQL only) cannot hide one.
   */
  private static final Pattern SQL_COMMENT = Pattern.compile("/\\*.*?\\*/|--[^\\n]*|#[^\\n]*",
      Pattern.DOTALL);

  /**
   * Destructive or mutating SQL, case-insensitive and word-bounded. Each keyword needs the
   * shape of a statement (DROP TABLE, DELETE FROM, UPDATE t SET...) so that prose such as
   * "please delete my draft" in an e-mail body is not taken for SQL.
   */
  private static final Pattern MUTATING_SQL = Pattern.compile("(?i)\\b(?:"
      + "drop\\s+(?:table|database|schema|view|index|user|role|column|function|procedure"
      + "|trigger|sequence|constraint|owned)\\b"
      + "|delete\\s+from\\b|delete\\s+[\\w.`\"\\[\\]]+\\s+where\\b"
      + "|truncate\\s+(?:table\\b|[\\w.`\"\\[\\]]+\\s*(?:;|$))"
      + "|alter\\s+(?:table|database|schema|user|role|view|index|system|sequence|function"
      + "|default\\s+privileges)\\b"
      + "|grant\\s+(?:all|select|insert|update|delete|usage|execute|create|connect|alter|drop"
      + "|references|trigger|truncate)\\b|grant\\b[^;]*?\\bon\\b[^;]*?\\bto\\b"
      + "|grant\\s+[\\w\"]+\\s+to\\s+[\\w\"'@.]+\\s*(?:;|$)"
      + "|revoke\\s+(?:all|select|insert|update|delete|usage|execute|create|connect|alter"
      + "|drop|references|trigger|truncate)\\b|revoke\\b[^;]*?\\bon\\b[^;]*?\\bfrom\\b"
      + "|revoke\\s+[\\w\"]+\\s+from\\s+[\\w\"'@.]+\\s*(?:;|$)"
      + "|update\\s+[\\w.`\"\\[\\]]+\\s+set\\b"
      + "|insert\\s+(?:ignore\\s+)?into\\b|replace\\s+into\\b|merge\\s+into\\b"
      + ")");

  /**
   * Paths to credentials or system configuration, shaped as paths: a dot-directory or file
   * after a slash, a tilde or the start, so ".env" inside "environment" does not count.
   */
  private static final Pattern SENSITIVE_PATH = Pattern.compile("(?i)"
      + "(?:^|[\\s/\\\\~\"'=:])\\.(?:ssh|aws|kube|gnupg|docker|netrc|pgpass|git-credentials"
      + "|env(?:\\.[\\w.-]+)?)(?:[/\\\\\\s\"']|$)"
      + "|authorized_keys|\\bid_(?:rsa|dsa|ecdsa|ed25519)\\b|\\bcrontab\\b|\\bsudoers\\b"
      + "|(?:^|[\\s\"'=:/.])/etc/|/var/spool/cron");

  /** A decimal number as a string: "10", "-3.50", "1e1"; bounded so parsing stays cheap. */
  private static final Pattern DECIMAL =
      Pattern.compile("[-+]?(?:\\d{1,30}(?:\\.\\d{0,30})?|\\.\\d{1,30})(?:[eE][-+]?\\d{1,3})?");

  private static final Map<String, Pattern> KEY_PATTERNS = new ConcurrentHashMap<>();

  /**
   * What a tool name gives, kept per raw name: an agent calls few tools many times, and
   * splitting a name into words takes a few regular expressions (with wordsOf, about 4% of a
   * decision's CPU before these caches). Bounded, since the names come from callers.
   */
  private static final Cache<String, ToolName> NAMES =
      Caffeine.newBuilder().maximumSize(10_000).build();

  private static final int CACHED_TEXT_CHARS = 64;
  private static final Cache<String, List<String>> WORDS =
      Caffeine.newBuilder().maximumSize(10_000).build();

  /** The normalised name, whether it is plain ASCII, its words and its two-word phrases. */
  private record ToolName(String tool, boolean asciiName, List<String> words,
      List<String> phrases) {

    static ToolName of(String rawTool) {
      String tool = normaliseName(rawTool);
      List<String> words = splitWords(rawTool);
      return new ToolName(tool, ASCII_NAME.matcher(tool).matches(), words, phrasesOf(words));
    }
  }

  private final String taskId;
  private final String agentId;
  private final String rawTool;
  private final String tool;
  private final boolean asciiName;
  private final List<String> words;
  private final Map<String, Object> args;
  private final List<String> phrases;
  private final List<String> allArgNames;
  private final List<String> stringValues;
  private final List<String> mutatingSql;
  private final List<String> sensitivePaths;
  private final long step;
  private final String idempotencyKey;
  private final long tokensUsed;

  private ToolCall(String taskId, String agentId, String rawTool, JsonNode args, Long step,
      String idempotencyKey, long tokensUsed) {
    this.taskId = taskId;
    this.agentId = agentId;
    this.rawTool = rawTool;
    ToolName name = NAMES.get(rawTool, ToolName::of);
    this.tool = name.tool();
    this.asciiName = name.asciiName();
    this.words = name.words();
    this.args = argsOf(args);
    this.phrases = name.phrases();
    List<String> names = new ArrayList<>();
    List<String> strings = new ArrayList<>();
    walk(this.args, names, strings);
    this.allArgNames = names.stream().distinct().toList();
    this.stringValues = List.copyOf(strings);
    this.mutatingSql = mutatingSqlOf(strings);
    this.sensitivePaths = strings.stream()
        .filter(v -> SENSITIVE_PATH.matcher(v).find()).toList();
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

  private static List<String> phrasesOf(List<String> words) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i + 1 < words.size(); i++) {
      out.add(words.get(i) + " " + words.get(i + 1));
    }
    return List.copyOf(out);
  }

  /** Every key (at any depth) into names, every string value (at any depth) into strings. */
  private static void walk(Object value, List<String> names, List<String> strings) {
    if (value instanceof String text) {
      strings.add(text);
    } else if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (names != null) {
          names.add((String) entry.getKey());
        }
        walk(entry.getValue(), names, strings);
      }
    } else if (value instanceof List<?> list) {
      for (Object item : list) {
        walk(item, names, strings);
      }
    }
  }

  private static List<String> mutatingSqlOf(List<String> strings) {
    List<String> out = new ArrayList<>();
    for (String value : strings) {
      String blanked = SQL_COMMENT.matcher(value).replaceAll(" ");
      for (String text : blanked.equals(value) ? List.of(value) : List.of(value, blanked)) {
        Matcher m = MUTATING_SQL.matcher(text);
        while (m.find()) {
          out.add(m.group().replaceAll("\\s+", " "));
        }
      }
    }
    return out.stream().distinct().toList();
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

  /** Pairs of consecutive words of the name, space-separated: "two factor", "api key". */
  public List<String> getPhrases() {
    return phrases;
  }

  /** Argument names at any depth (keys of nested objects too), each once, in order. */
  public List<String> getAllArgNames() {
    return allArgNames;
  }

  /** Every string value of the arguments, at any depth. */
  public List<String> getStringValues() {
    return stringValues;
  }

  /**
   * The mutating or destructive SQL found in any string argument at any depth, as matched
   * ("DROP TABLE", "delete from", "UPDATE users SET"); empty when there is none.
   */
  public List<String> getMutatingSql() {
    return mutatingSql;
  }

  /** String arguments (any depth) naming credentials or system configuration paths. */
  public List<String> getSensitivePaths() {
    return sensitivePaths;
  }

  /**
   * Every string value under an argument whose name fully matches keyRegex, at any depth,
   * nested values included: {"action": {"type": "delete"}} gives "delete" for "action".
   */
  public List<String> valuesUnder(String keyRegex) {
    Pattern key = KEY_PATTERNS.computeIfAbsent(keyRegex, Pattern::compile);
    List<String> out = new ArrayList<>();
    collectUnder(args, key, out);
    return out;
  }

  private static void collectUnder(Object value, Pattern key, List<String> out) {
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (key.matcher((String) entry.getKey()).matches()) {
          walk(entry.getValue(), null, out);
        } else {
          collectUnder(entry.getValue(), key, out);
        }
      }
    } else if (value instanceof List<?> list) {
      for (Object item : list) {
        collectUnder(item, key, out);
      }
    }
  }

  /**
   * Every number under an argument whose name fully matches keyRegex, at any depth, as an
   * exact decimal: JSON numbers, and strings that are exactly a decimal number ("10", "10.00",
   * "1e1"). So 10, 10.0, 10.00, "10" and 1e1 are all the same amount to a rule that compares
   * with compareTo.
   */
  public List<BigDecimal> decimalsUnder(String keyRegex) {
    Pattern key = KEY_PATTERNS.computeIfAbsent(keyRegex, Pattern::compile);
    List<Object> values = new ArrayList<>();
    collectValuesUnder(args, key, values);
    List<BigDecimal> out = new ArrayList<>();
    values.forEach(v -> addDecimals(v, out));
    return out;
  }

  private static void collectValuesUnder(Object value, Pattern key, List<Object> out) {
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (key.matcher((String) entry.getKey()).matches()) {
          out.add(entry.getValue());
        } else {
          collectValuesUnder(entry.getValue(), key, out);
        }
      }
    } else if (value instanceof List<?> list) {
      for (Object item : list) {
        collectValuesUnder(item, key, out);
      }
    }
  }

  private static void addDecimals(Object value, List<BigDecimal> out) {
    if (value instanceof BigDecimal number) {
      out.add(number);
    } else if (value instanceof String text && DECIMAL.matcher(text.strip()).matches()) {
      out.add(new BigDecimal(text.strip()));
    } else if (value instanceof Map<?, ?> map) {
      map.values().forEach(v -> addDecimals(v, out));
    } else if (value instanceof List<?> list) {
      list.forEach(v -> addDecimals(v, out));
    }
  }

  /**
   * The lower-case words of any text, split like the tool name ("deleteAll": delete, all).
   * Rules ask this of every argument name and of some values, several rules the same text:
   * short texts (names, enum-like values) are kept in a bounded cache.
   */
  public List<String> wordsOf(String text) {
    return text.length() <= CACHED_TEXT_CHARS ? WORDS.get(text, ToolCall::splitWords)
        : splitWords(text);
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
