package dev.veto.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every gold action of tau2-bench, against the authors' own READ / WRITE labels. */
class Tau2CorpusTest {

  private static final Path PROPOSALS =
      Proposals.shared().resolve("corpus/tau2/proposals.jsonl");

  private static Policy policy;

  @BeforeAll
  static void load() throws PolicyException {
    policy = Policy.load(Proposals.RULES, null);
  }

  @AfterAll
  static void close() {
    policy.close();
  }

  @Test
  void shouldClassifyEveryTau2ProposalByItsAuthorLabel() throws Exception {
    List<String> lines = Files.readAllLines(PROPOSALS);

    int checked = 0;
    for (String line : lines) {
      JsonNode record = Json.MAPPER.readTree(line);
      Evaluation result = policy.evaluate(toolCall(record.get("proposal")), Proposals.FRESH);
      String label = record.at("/source/author_label").asText();
      String tool = record.at("/proposal/tool").asText();

      switch (label) {
        case "READ" -> assertThat(result.tier()).as(tool).isZero();
        case "WRITE" -> assertThat(result.tier()).as(tool).isGreaterThanOrEqualTo(2);
        default -> assertThat(result.tier()).as(tool).isLessThanOrEqualTo(1);
      }
      checked++;
    }

    assertThat(checked).isEqualTo(699);
  }

  private static ToolCall toolCall(JsonNode p) {
    return ToolCall.of(p.get("task_id").asText(), p.get("agent_id").asText(),
        p.get("tool").asText(), p.get("args"), p.get("step").asLong(),
        p.get("idempotency_key").asText(), 0);
  }
}
