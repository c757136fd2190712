package dev.veto.policy.cases;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.veto.policy.Mode;
import dev.veto.policy.PolicyException;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads and writes policy test cases: {@code RULES/tests/*.yaml}, each a YAML sequence of
 * cases. Numbers keep their exact decimal form (10.00 stays 10.00), as on /v1/decide.
 *
 * <pre>
 * - name: a refund of 10.00 needs an approval
 *   proposal: {tool: refund_payment, args: {amount: 10.00}, idempotency_key: k1}
 *   task: {tool_calls: 0, tokens: 0, elapsed_ms: 0, failures_in_step: 0}   # optional
 *   mode: normal                  # optional: normal, cheaper_model, ..., extraction_only
 *   probable_duplicate: false     # optional
 *   expect: {verdict: require_approval, tier: 3, rules: [approval.tier3, ...]}
 * </pre>
 */
public final class CaseFiles {

  /** The folder of a rules directory that holds its test cases. */
  public static final String DIR = "tests";

  static final YAMLMapper YAML = YAMLMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .build();

  private static final Set<String> CASE_FIELDS = Set.of("name", "proposal", "task", "mode",
      "probable_duplicate", "expect");
  private static final Set<String> EXPECT_FIELDS = Set.of("verdict", "tier", "rules",
      "rules_include");

  private CaseFiles() {}

  /** Every case under rulesDir/tests, in file order; an empty list when there is no folder. */
  public static List<PolicyCase> load(Path rulesDir) throws PolicyException {
    Path dir = rulesDir.resolve(DIR);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<PolicyCase> cases = new ArrayList<>();
    List<PolicyException.Problem> problems = new ArrayList<>();
    for (Path file : yamlFiles(dir)) {
      readFile(file, cases, problems);
    }
    if (!problems.isEmpty()) {
      throw new PolicyException(problems);
    }
    return cases;
  }

  /** The case files, sorted by name, for the watcher's fingerprint too. */
  public static List<Path> yamlFiles(Path dir) throws PolicyException {
    try (Stream<Path> listing = Files.list(dir)) {
      return listing.filter(CaseFiles::isYaml).sorted().toList();
    } catch (IOException e) {
      throw new PolicyException(new PolicyException.Problem(dir.toString(), 0,
          "cannot list: " + e.getMessage()), e);
    }
  }

  private static boolean isYaml(Path p) {
    String name = p.getFileName().toString();
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }

  /** Reads case by case, so each keeps the line it starts at. */
  private static void readFile(Path file, List<PolicyCase> cases,
      List<PolicyException.Problem> problems) {
    String name = DIR + "/" + file.getFileName();
    try (InputStream in = Files.newInputStream(file);
        JsonParser parser = YAML.getFactory().createParser(in)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return;
      }
      if (first != JsonToken.START_ARRAY) {
        problems.add(new PolicyException.Problem(name, 1, "expected a list of cases"));
        return;
      }
      while (parser.nextToken() == JsonToken.START_OBJECT) {
        int line = parser.currentTokenLocation().getLineNr();
        JsonNode node = YAML.readTree(parser);
        try {
          cases.add(parse(name + ":" + line, (ObjectNode) node));
        } catch (IllegalArgumentException e) {
          problems.add(new PolicyException.Problem(name, line, e.getMessage()));
        }
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      problems.add(new PolicyException.Problem(name, line, e.getOriginalMessage()));
    } catch (IOException e) {
      problems.add(new PolicyException.Problem(name, 0, "cannot read: " + e.getMessage()));
    }
  }

  static PolicyCase parse(String source, ObjectNode node) {
    checkFields(node, CASE_FIELDS, "case");
    String name = node.path("name").asText(source);
    JsonNode proposal = node.get("proposal");
    if (proposal == null || !proposal.isObject() || !proposal.path("tool").isTextual()) {
      throw new IllegalArgumentException("case '" + name + "': proposal with a tool is required");
    }
    JsonNode args = proposal.get("args");
    if (args != null && !args.isNull() && !args.isObject()) {
      throw new IllegalArgumentException("case '" + name + "': args must be a mapping");
    }
    return new PolicyCase(source, name, (ObjectNode) proposal, usage(node.path("task")),
        situation(name, node), expected(name, node.get("expect")));
  }

  private static TaskUsage usage(JsonNode task) {
    return new TaskUsage(task.path("tool_calls").asLong(0), task.path("tokens").asLong(0),
        task.path("elapsed_ms").asLong(0), task.path("failures_in_step").asInt(0));
  }

  private static Situation situation(String name, JsonNode node) {
    String wire = node.path("mode").asText("normal");
    Mode mode = Mode.fromWire(wire).orElseThrow(() -> new IllegalArgumentException(
        "case '" + name + "': unknown mode '" + wire + "'; one of "
            + Arrays.stream(Mode.values()).map(Mode::wire).toList()));
    return new Situation(mode, node.path("probable_duplicate").asBoolean(false));
  }

  private static PolicyCase.Expected expected(String name, JsonNode expect) {
    if (expect == null || !expect.isObject()) {
      throw new IllegalArgumentException("case '" + name + "': expect is required");
    }
    checkFields(expect, EXPECT_FIELDS, "expect");
    Verdict verdict = null;
    if (expect.hasNonNull("verdict")) {
      String wire = expect.get("verdict").asText();
      verdict = verdictOf(wire).orElseThrow(() -> new IllegalArgumentException("case '" + name
          + "': verdict must be allow, require_approval or refuse, not '" + wire + "'"));
    }
    Integer tier = expect.hasNonNull("tier") ? expect.get("tier").asInt() : null;
    return new PolicyCase.Expected(verdict, tier, names(expect.get("rules")),
        names(expect.get("rules_include")));
  }

  static Optional<Verdict> verdictOf(String wire) {
    return Arrays.stream(Verdict.values()).filter(v -> v.wire().equals(wire)).findFirst();
  }

  private static Set<String> names(JsonNode list) {
    if (list == null || list.isNull()) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    list.forEach(item -> out.add(item.asText()));
    return out;
  }

  /** A typo such as "expected:" must not make a case silently check nothing. */
  private static void checkFields(JsonNode node, Set<String> allowed, String what) {
    node.fieldNames().forEachRemaining(field -> {
      if (!allowed.contains(field)) {
        throw new IllegalArgumentException("unknown " + what + " field '" + field
            + "'; allowed: " + allowed.stream().sorted().toList());
      }
    });
  }

  /** Writes cases as a test file that {@link #load} reads back. */
  public static void write(Path file, List<ObjectNode> cases) throws IOException {
    ArrayNode list = YAML.createArrayNode();
    cases.forEach(list::add);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, YAML.writeValueAsString(list));
  }

  /** One case as YAML, in the shape {@link #load} reads. */
  public static ObjectNode toNode(String name, JsonNode proposal, TaskUsage usage,
      Situation situation, Verdict verdict, int tier, List<String> rules) {
    ObjectNode node = YAML.createObjectNode();
    node.put("name", name);
    node.set("proposal", proposal);
    node.putObject("task")
        .put("tool_calls", usage.calls()).put("tokens", usage.tokens())
        .put("elapsed_ms", usage.elapsedMillis()).put("failures_in_step", usage.failuresInStep());
    node.put("mode", situation.mode().wire());
    if (situation.probableDuplicate()) {
      node.put("probable_duplicate", true);
    }
    ObjectNode expect = node.putObject("expect");
    expect.put("verdict", verdict.wire().toLowerCase(Locale.ROOT)).put("tier", tier);
    rules.stream().distinct().sorted().forEach(expect.putArray("rules")::add);
    return node;
  }
}
