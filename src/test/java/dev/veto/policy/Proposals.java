package dev.veto.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Small builders shared by the policy tests. */
final class Proposals {

  static final Path RULES = Path.of("rules");
  static final TaskUsage FRESH = new TaskUsage(0, 0, 0, 0);

  private Proposals() {}

  static ToolCall call(String tool) {
    return call(tool, "{}");
  }

  static ToolCall call(String tool, String argsJson) {
    return ToolCall.of("task-1", "agent-1", tool, json(argsJson), 1L, "key-1", 10);
  }

  static ToolCall callWithoutKey(String tool) {
    return ToolCall.of("task-1", "agent-1", tool, json("{}"), 1L, null, 10);
  }

  static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shared folder of corpora and vectors, beside the module unless told otherwise. */
  static Path shared() {
    return Path.of(System.getProperty("veto.shared", "../shared"));
  }
}
