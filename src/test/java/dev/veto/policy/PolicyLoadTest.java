package dev.veto.policy;

import static dev.veto.policy.Proposals.FRESH;
import static dev.veto.policy.Proposals.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, compile errors, config overrides and failures, on throw-away rule folders. */
class PolicyLoadTest {

  private static final String HEADER = """
      package dev.veto.rules
      import dev.veto.policy.ToolCall
      global dev.veto.policy.Findings findings
      """;

  @TempDir
  Path dir;

  private Path copyOfDefaultRules() throws IOException {
    try (Stream<Path> files = Files.list(Proposals.RULES)) {
      for (Path file : files.toList()) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    return dir;
  }

  private void write(String name, String text) throws IOException {
    Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  @Test
  void shouldReportCompileErrorWithFileNameAndLine() throws IOException {
    copyOfDefaultRules();
    write("broken.drl", HEADER + """
        rule "broken"
        when
          $call : ToolCall( tool == )
        then
          findings.note(kcontext, "x");
        end
        """);

    PolicyException error = catchLoad();

    assertThat(error.problems()).isNotEmpty().allSatisfy(p -> {
      assertThat(p.file()).isEqualTo("broken.drl");
      assertThat(p.line()).isEqualTo(6);
    });
    assertThat(error.getMessage()).contains("broken.drl:6");
  }

  @Test
  void shouldReportProblemsOfEveryBrokenFile() throws IOException {
    copyOfDefaultRules();
    write("a.drl", HEADER + "rule \"a\" when ToolCall( ) then undefinedCall(); end\n");
    write("b.drl", HEADER + "rule \"b\" when NoSuchFact( ) then end\n");

    PolicyException error = catchLoad();

    assertThat(error.problems()).extracting(PolicyException.Problem::file)
        .contains("a.drl", "b.drl");
  }

  @Test
  void shouldRejectRuleInAnAgendaGroupThatNeverFires() throws IOException {
    copyOfDefaultRules();
    write("group.drl", HEADER + """
        rule "lost" ruleflow-group "decide"
        when ToolCall() then findings.note(kcontext, "x");
        end
        """);

    PolicyException error = catchLoad();

    assertThat(error.problems()).singleElement()
        .satisfies(p -> assertThat(p.message()).contains("lost", "decide"));
  }

  @Test
  void shouldReportBadConfigValueWithItsKey() throws IOException {
    copyOfDefaultRules();
    Path override = dir.resolve("ops.yaml");
    Files.writeString(override, "budgets: {max_tool_calls: -1, max_wall_clock: soon}\n");

    PolicyException error = catchLoad(override);

    assertThat(error.problems()).extracting(PolicyException.Problem::message)
        .anySatisfy(m -> assertThat(m).contains("max_tool_calls"))
        .anySatisfy(m -> assertThat(m).contains("max_wall_clock"));
  }

  @Test
  void shouldTakeOverrideValuesAndFallBackForTheRest() throws Exception {
    copyOfDefaultRules();
    Path override = dir.resolve("ops.yaml");
    Files.writeString(override, "budgets: {max_tool_calls: 5}\ncatalog: {frobnicate: 0}\n");

    try (Policy policy = Policy.load(dir, override)) {
      assertThat(policy.limits()).isEqualTo(new Limits(5, 1_000_000, 3_600_000, 3));
      assertThat(policy.evaluate(call("frobnicate"), FRESH).tier()).isZero();
      assertThat(policy.evaluate(call("get_user_details"), FRESH).tier()).isZero();
    }
  }

  @Test
  void shouldChangeVersionWithContentOnly() throws Exception {
    copyOfDefaultRules();
    String first = versionOf(dir);
    String again = versionOf(dir);
    write("extra.drl", HEADER);

    String changed = versionOf(dir);

    assertThat(again).isEqualTo(first);
    assertThat(changed).isNotEqualTo(first);
  }

  @Test
  void shouldFailEvaluationWhenARuleThrows() throws Exception {
    copyOfDefaultRules();
    write("throws.drl", HEADER + """
        rule "throws"
        when ToolCall( tool == "boom" )
        then throw new IllegalStateException("rule bug");
        end
        """);

    try (Policy policy = Policy.load(dir, null)) {
      assertThatThrownBy(() -> policy.evaluate(call("boom"), FRESH))
          .isExactlyInstanceOf(PolicyEvaluationException.class)
          .hasMessageContaining("rule bug");
      assertThat(policy.evaluate(call("get_user_details"), FRESH).verdict())
          .isEqualTo(Verdict.ALLOW);
    }
  }

  @Test
  void shouldTimeOutWhenARuleLoopsPastTheDeadline() throws Exception {
    copyOfDefaultRules();
    write("loop.drl", HEADER + """
        import dev.veto.policy.TaskUsage
        rule "loops"
        when
          ToolCall( tool == "spin" )
          $usage : TaskUsage()
        then
          update($usage);
        end
        """);

    try (Policy policy = Policy.load(dir, null)) {
      assertThatThrownBy(() -> policy.evaluate(call("spin"), FRESH))
          .isInstanceOf(PolicyTimeoutException.class)
          .hasMessageContaining("50 ms");
      assertThat(policy.evaluate(call("get_user_details"), FRESH).verdict())
          .isEqualTo(Verdict.ALLOW);
    }
  }

  private String versionOf(Path rules) throws PolicyException {
    try (Policy policy = Policy.load(rules, null)) {
      return policy.version();
    }
  }

  private PolicyException catchLoad() {
    return catchLoad(null);
  }

  private PolicyException catchLoad(Path override) {
    try (Policy policy = Policy.load(dir, override)) {
      throw new AssertionError("expected a PolicyException, loaded " + policy.version());
    } catch (PolicyException e) {
      return e;
    }
  }

  @Test
  void shouldReportAMisspeltConfigKeyInsteadOfKeepingItsDefault() throws IOException {
    copyOfDefaultRules();
    String config = Files.readString(dir.resolve("veto.yaml"))
        .replace("max_tokens:", "max_tokenz:").replace("catalog:", "catalogue:");
    write("veto.yaml", config);

    PolicyException error = catchLoad();

    assertThat(error.getMessage()).contains("budgets.max_tokenz: unknown key")
        .contains("catalogue: unknown key");
  }
}
