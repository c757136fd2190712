package dev.veto.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * rules/veto.yaml, optionally overlaid by an operator's file of the same schema. Parsed once,
 * validated, defaulted; every problem is collected with the key that caused it.
 */
record PolicyConfig(Limits limits, long deadlineMillis, Map<String, CatalogEntry> catalog) {

  static final String FILE_NAME = "veto.yaml";
  static final long DEFAULT_DEADLINE_MILLIS = 50;

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

  static PolicyConfig load(Path base, Path override) throws PolicyException {
    ObjectNode tree = read(base);
    if (override != null) {
      merge(tree, read(override));
    }
    String file = override == null ? base.getFileName().toString()
        : base.getFileName() + "+" + override.getFileName();
    return new Parser(file).parse(tree);
  }

  private static ObjectNode read(Path file) throws PolicyException {
    String name = file.getFileName().toString();
    try {
      JsonNode node = YAML.readTree(Files.readAllBytes(file));
      if (node == null || node.isMissingNode() || node.isNull()) {
        return YAML.createObjectNode();
      }
      if (!node.isObject()) {
        throw new PolicyException(List.of(new PolicyException.Problem(name, 1,
            "expected a mapping at the top level, found " + node.getNodeType())));
      }
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      PolicyException.Problem problem =
          new PolicyException.Problem(name, line, e.getOriginalMessage());
      throw new PolicyException(problem, e);
    } catch (IOException e) {
      throw new PolicyException(new PolicyException.Problem(name, 0, "cannot read: " + e), e);
    }
  }

  /** Mappings merge key by key, so an override can change one budget or add one tool. */
  private static void merge(ObjectNode into, ObjectNode from) {
    Iterator<Map.Entry<String, JsonNode>> fields = from.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode existing = into.get(field.getKey());
      if (existing instanceof ObjectNode target && field.getValue() instanceof ObjectNode src) {
        merge(target, src);
      } else {
        into.set(field.getKey(), field.getValue());
      }
    }
  }

  /** Collects problems instead of stopping at the first, so an author fixes them in one go. */
  private static final class Parser {

    private final String file;
    private final List<PolicyException.Problem> problems = new ArrayList<>();

    Parser(String file) {
      this.file = file;
    }

    PolicyConfig parse(ObjectNode tree) throws PolicyException {
      // A misspelt key would leave its default silently in force: each one is a problem.
      unknownKeys(tree, "", java.util.Set.of("budgets", "evaluation_deadline_ms", "catalog"));
      JsonNode budgets = tree.path("budgets");
      unknownKeys(budgets, "budgets.", java.util.Set.of("max_tool_calls", "max_tokens",
          "max_wall_clock", "max_failures_per_step"));
      Limits limits = new Limits(
          positive(budgets, "max_tool_calls", 200),
          positive(budgets, "max_tokens", 1_000_000),
          duration(budgets, "max_wall_clock", 3_600_000),
          (int) positive(budgets, "max_failures_per_step", 3));
      long deadline = positive(tree, "evaluation_deadline_ms", DEFAULT_DEADLINE_MILLIS);
      Map<String, CatalogEntry> catalog = catalog(tree.path("catalog"));

      if (!problems.isEmpty()) {
        throw new PolicyException(problems);
      }
      return new PolicyConfig(limits, deadline, Map.copyOf(catalog));
    }

    private void unknownKeys(JsonNode node, String prefix, java.util.Set<String> known) {
      if (!node.isObject()) {
        return;
      }
      node.fieldNames().forEachRemaining(name -> {
        if (!known.contains(name)) {
          problem(prefix + name, "unknown key; expected one of " + new java.util.TreeSet<>(known));
        }
      });
    }

    private long positive(JsonNode parent, String key, long fallback) {
      JsonNode node = parent.get(key);
      if (node == null || node.isNull()) {
        return fallback;
      }
      if (!node.canConvertToExactIntegral() || node.asLong() <= 0) {
        problem(key, "expected a positive integer, found " + node);
        return fallback;
      }
      return node.asLong();
    }

    /** A bare number is seconds; otherwise 500ms, 30s, 15m, 1h or 1d. */
    private long duration(JsonNode parent, String key, long fallbackMillis) {
      JsonNode node = parent.get(key);
      if (node == null || node.isNull()) {
        return fallbackMillis;
      }
      if (node.canConvertToExactIntegral() && node.asLong() > 0) {
        return node.asLong() * 1000;
      }
      Matcher m = DURATION.matcher(node.asText().trim());
      if (!node.isTextual() || !m.matches() || Long.parseLong(m.group(1)) <= 0) {
        problem(key, "expected a duration such as 3600, 30m or 1h, found " + node);
        return fallbackMillis;
      }
      return Long.parseLong(m.group(1)) * unitMillis(m.group(2));
    }

    private static long unitMillis(String unit) {
      return switch (unit == null ? "s" : unit) {
        case "ms" -> 1;
        case "m" -> 60_000;
        case "h" -> 3_600_000;
        case "d" -> 86_400_000;
        default -> 1000;
      };
    }

    private Map<String, CatalogEntry> catalog(JsonNode node) {
      Map<String, CatalogEntry> out = new LinkedHashMap<>();
      if (node.isMissingNode() || node.isNull()) {
        return out;
      }
      if (!node.isObject()) {
        problem("catalog", "expected a mapping of tool name to tier");
        return out;
      }
      node.fields().forEachRemaining(e -> entry(e.getKey(), e.getValue(), out));
      return out;
    }

    /** A tool maps to a bare tier (get_user: 0) or to {tier: 0, note: "..."}. */
    private void entry(String rawName, JsonNode value, Map<String, CatalogEntry> out) {
      JsonNode tierNode = value.isObject() ? value.get("tier") : value;
      String note = value.isObject() ? value.path("note").asText("") : "";
      if (tierNode == null || !tierNode.canConvertToExactIntegral()
          || tierNode.asInt() < 0 || tierNode.asInt() > 3) {
        problem("catalog." + rawName, "expected a tier 0..3, found " + value);
        return;
      }
      String name = ToolCall.normaliseName(rawName);
      CatalogEntry previous = out.put(name, new CatalogEntry(name, tierNode.asInt(), note));
      if (previous != null) {
        problem("catalog." + rawName, "normalises to '" + name + "', listed twice");
      }
    }

    private void problem(String key, String message) {
      problems.add(new PolicyException.Problem(file, 0, key + ": " + message));
    }
  }
}
