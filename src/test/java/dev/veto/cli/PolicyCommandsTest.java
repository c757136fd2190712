package dev.veto.cli;

import static dev.veto.cli.CliRun.veto;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.policy.reload.RulesFolder;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** veto test, check and replay on the shipped rules and on deliberately broken copies. */
class PolicyCommandsTest {

  @TempDir
  Path dir;

  @Test
  void test_onTheShippedRules_passesAndEveryRuleFires() {
    CliRun run = veto("test", "--rules", "rules", "--fail-on-unfired");

    assertThat(run.code()).as(run.out()).isZero();
    assertThat(run.out()).startsWith("OK: ").doesNotContain("rules no case fired");
  }

  @Test
  void test_onAChangedRule_showsExpectedAndActual_andExits1() throws Exception {
    RulesFolder copy = RulesFolder.copyOfShipped(dir);
    copy.write("decide.drl", Files.readString(RulesFolder.SHIPPED.resolve("decide.drl"))
        .replace("calls >= $limits.maxCalls", "calls > $limits.maxCalls"));

    CliRun run = veto("test", "--rules", dir.toString());

    assertThat(run.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(run.out())
        .contains("FAIL tests/decide.yaml:", "the tool-call budget spent refuses")
        .contains("expected: refuse", "actual:   allow")
        .contains("FAILED: ");
  }

  @Test
  void test_reportsRulesNoCaseFires() throws Exception {
    RulesFolder copy = RulesFolder.copyOfShipped(dir);
    copy.write("extra.drl", """
        package dev.veto.rules
        import dev.veto.policy.ToolCall
        global dev.veto.policy.Findings findings
        rule "extra.never"
        when
          ToolCall( tool == "nothing_calls_this" )
        then
          findings.note(kcontext, "never");
        end
        """);

    CliRun plain = veto("test", "--rules", dir.toString());
    CliRun strict = veto("test", "--rules", dir.toString(), "--fail-on-unfired");

    assertThat(plain.code()).isZero();
    assertThat(plain.out()).contains("rules no case fired (1): extra.never");
    assertThat(strict.code()).isEqualTo(Main.EXIT_DAMAGED);
  }

  @Test
  void testAndCheck_onABrokenRuleFile_nameFileAndLine() {
    RulesFolder copy = RulesFolder.copyOfShipped(dir);
    copy.write("broken.drl", "package dev.veto.rules\n\nrule \"x\"\nwhen\n  Nope( \nthen\nend\n");

    CliRun test = veto("test", "--rules", dir.toString());
    CliRun check = veto("check", "--rules", dir.toString());

    assertThat(test.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(test.out()).contains("broken.drl:").contains("FAILED");
    assertThat(check.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(check.out()).contains("broken.drl:");
  }

  @Test
  void test_onABrokenCaseFile_namesFileAndLine() {
    RulesFolder copy = RulesFolder.copyOfShipped(dir);
    copy.write("tests/bad.yaml", """
        - name: fine
          proposal: {tool: get_user_details}
          expect: {verdict: allow}

        - name: a typo in a field
          proposal: {tool: get_user_details}
          expected: {verdict: allow}
        """);

    CliRun run = veto("test", "--rules", dir.toString());

    assertThat(run.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(run.out()).contains("tests/bad.yaml:5:", "expected");
  }

  @Test
  void replay_ofTheShippedRules_changesNothing_andAStricterCopy_isGatedAndWritten()
      throws Exception {
    Path data = dir.resolve("data");
    try (VetoFixture veto = VetoFixture.start(data)) {
      for (String amount : new String[] {"50", "50.00", "20000"}) {
        var refund = Proposals.of("refund_payment");
        refund.putObject("args").put("amount", amount);
        veto.decide(refund);
      }
      veto.decide(Proposals.of("get_user_details"));
    }
    Path candidate = dir.resolve("candidate");
    RulesFolder stricter = RulesFolder.copyOfShipped(candidate);
    stricter.write("money.drl", Files.readString(RulesFolder.SHIPPED.resolve("money.drl"))
        .replace("\"10000\"", "\"10\""));
    Path cases = candidate.resolve("tests").resolve("replay.yaml");

    CliRun same = veto("replay", "--data", data.toString(), "--rules", "rules",
        "--fail-on-change");
    CliRun changed = veto("replay", "--data", data.toString(), "--rules", candidate.toString(),
        "--fail-on-change", "--write-cases", cases.toString());
    CliRun written = veto("test", "--rules", candidate.toString());

    assertThat(same.code()).as(same.out()).isZero();
    assertThat(same.out()).contains("replayed 4 decisions", "changed 0");
    assertThat(changed.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(changed.out()).contains("changed 2", "require_approval -> refuse",
        "money.amount_over_cap", "wrote 2 case(s)");
    assertThat(written.out()).contains("FAIL tests/money.yaml")
        .doesNotContain("FAIL tests/replay.yaml");
  }

  @Test
  void replay_withABrokenCandidate_orNoLedger_exitsNonZero() {
    RulesFolder copy = RulesFolder.copyOfShipped(dir.resolve("broken"));
    copy.write("broken.drl", "package dev.veto.rules\nrule \"x\" when\n  Nope( ) then end\n");
    Path data = dir.resolve("data");
    try (VetoFixture veto = VetoFixture.start(data)) {
      veto.decide(Proposals.of("get_user_details"));
    }

    CliRun broken = veto("replay", "--data", data.toString(), "--rules",
        dir.resolve("broken").toString());
    CliRun noLedger = veto("replay", "--data", dir.resolve("none").toString(), "--rules", "rules");

    assertThat(broken.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(broken.out()).contains("broken.drl:");
    assertThat(noLedger.code()).isEqualTo(Main.EXIT_USAGE);
  }


}
