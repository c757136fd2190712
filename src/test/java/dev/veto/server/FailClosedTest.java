package dev.veto.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Any internal failure means refuse, never allow. */
class FailClosedTest {

  @TempDir
  Path data;

  @TempDir
  Path rules;

  @Test
  void ruleThatThrows_givesARecordedRefusal() throws IOException {
    copyDefaultRules();
    Files.writeString(rules.resolve("broken.drl"), """
        package dev.veto.rules
        import dev.veto.policy.ToolCall
        rule "broken.explodes"
        when
          $call : ToolCall( tool == "get_user_details" )
        then
          throw new IllegalStateException("a rule author's bug");
        end
        """);

    try (VetoFixture veto = VetoFixture.start(data, rules, null)) {
      Reply reply = veto.decide(Proposals.of("get_user_details"));

      JsonNode body = reply.json();
      assertThat(reply.status()).isEqualTo(200);
      assertThat(body.path("verdict").asText()).isEqualTo("refuse");
      assertThat(body.path("reasons").findValuesAsText("rule")).containsExactly(
          "veto.policy_error");
      assertThat(body.path("receipt").path("seq").asLong()).isEqualTo(2); // after policy_loaded
    }
  }

  @Test
  void ruleThatLoopsPastTheDeadline_givesARecordedRefusal(@TempDir Path config)
      throws IOException {
    copyDefaultRules();
    Files.writeString(rules.resolve("loop.drl"), """
        package dev.veto.rules
        import dev.veto.policy.ToolCall
        import dev.veto.policy.TaskUsage
        rule "loop.forever"
        when
          ToolCall( tool == "spin_forever" )
          $usage : TaskUsage()
        then
          update($usage);
        end
        """);

    // The shipped deadline, which test servers otherwise relax (see VetoFixture).
    Path shipped = Files.writeString(config.resolve("deadline.yaml"),
        "evaluation_deadline_ms: 50\n");
    try (VetoFixture veto = VetoFixture.start(data, rules, shipped)) {
      ObjectNode spin = Proposals.of("task-spin", "spin_forever").put("tokens_used", 500);
      Reply reply = veto.decide(spin);
      Reply retry = veto.decide(spin);
      Reply next = veto.decide(Proposals.of("task-spin", "get_user_details"));

      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.json().path("verdict").asText()).isEqualTo("refuse");
      assertThat(reply.json().path("reasons").findValuesAsText("rule")).containsExactly(
          "veto.deadline_exceeded");
      assertThat(retry.replayed()).as("a fail-closed answer is not kept under its key").isNull();
      assertThat(next.json().path("verdict").asText()).isEqualTo("allow");
      assertThat(next.json().path("budgets").path("remaining").path("tokens").asLong())
          .as("fail-closed refusals charge no tokens").isEqualTo(1_000_000);
    }
  }

  @Test
  void ledgerThatCannotBeWritten_gives503Refuse_andNoReceipt() {
    try (VetoFixture veto = VetoFixture.start(data)) {
      veto.server().ledger().close();

      Reply reply = veto.decide(Proposals.of("get_user_details"));
      Reply health = veto.get("/health");

      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.json().path("verdict").asText()).isEqualTo("refuse");
      assertThat(reply.json().path("code").asText()).isEqualTo("ledger_unavailable");
      assertThat(reply.json().has("receipt")).isFalse();
      assertThat(health.status()).isEqualTo(503);
    }
  }

  private void copyDefaultRules() throws IOException {
    try (Stream<Path> files = Files.list(VetoFixture.RULES)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, rules.resolve(file.getFileName()));
      }
    }
  }
}
