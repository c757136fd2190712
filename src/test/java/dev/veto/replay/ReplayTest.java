package dev.veto.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.SigningKey;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerOptions;
import dev.veto.ledger.LedgerReader;
import dev.veto.policy.Policy;
import dev.veto.policy.reload.RulesFolder;
import dev.veto.testing.Proposals;
import dev.veto.testing.TestClock;
import dev.veto.testing.VetoFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay of recorded decisions: the unchanged policy reproduces every recorded answer, a
 * stricter one is reported, and the lifecycle's "rules" member is honoured.
 */
class ReplayTest {

  @TempDir
  static Path data;

  /** Decision entries of a real server run covering every kind of verdict and budget. */
  @BeforeAll
  static void recordDecisions() {
    TestClock clock = TestClock.at("2026-01-01T00:00:00Z");
    try (VetoFixture veto = VetoFixture.start(data, clock)) {
      for (String tool : List.of("get_user_details", "search_inventory", "draft_summary",
          "update_ticket", "BankManagerTransferFunds", "frobnicate", "disable_two_factor",
          "get_usеr_details", "cancel_reservation", "web_fetch")) {
        veto.decide(Proposals.of(tool));
        veto.decide(withoutKey(Proposals.of(tool)));
      }
      for (String amount : List.of("10", "10.00", "1e1", "9999.99", "10000.01")) {
        ObjectNode refund = Proposals.of("refund_payment");
        refund.putObject("args").put("amount", amount);
        veto.decide(refund);
      }
      ObjectNode tokens = Proposals.of("get_user_details");
      tokens.put("tokens_used", 2_000_000);
      veto.decide(tokens);

      String task = "task-long";
      veto.decide(Proposals.of(task, "get_user_details"));
      clock.advance(Duration.ofHours(2));
      veto.decide(Proposals.of(task, "get_user_details"));

      String failing = "task-failing";
      for (int i = 0; i < 4; i++) {
        var reply = veto.decide(Proposals.of(failing, "update_ticket")).json();
        veto.post("/v1/outcomes", "{\"decision_id\": \"" + reply.path("decision_id").asText()
            + "\", \"status\": \"failed\"}");
      }
      for (int i = 0; i < 3; i++) {
        veto.decide(Proposals.of("task-many", "get_user_details"));
      }
    }
  }

  @Test
  void theUnchangedPolicy_reproducesEveryRecordedAnswer() throws Exception {
    try (Policy same = Policy.load(RulesFolder.SHIPPED, null)) {
      ReplayReport report = Replayer.replay(data, same, 5);

      assertThat(report.decisions()).isEqualTo(decisionCount(data)).isGreaterThan(30);
      assertThat(report.changed()).as(report.render()).isZero();
      assertThat(report.unchanged()).isEqualTo(report.decisions());
      assertThat(verdicts(data)).contains("allow", "refuse", "require_approval");
      assertThat(recordedRules(data)).contains("budget.wall_clock", "budget.tokens",
          "breaker.failures_in_step", "money.amount_over_cap", "idempotency.key_required",
          "veto.unknown_tool", "veto.lookalike_tool_name", "classify.draft_verb");
    }
  }

  @Test
  void aStricterCandidate_reportsEachChange_byVerdictAndRule(@TempDir Path dir)
      throws Exception {
    RulesFolder candidate = RulesFolder.copyOfShipped(dir);
    candidate.write("money.drl", Files.readString(RulesFolder.SHIPPED.resolve("money.drl"))
        .replace("\"10000\"", "\"9\""));

    try (Policy stricter = Policy.load(dir, null)) {
      ReplayReport report = Replayer.replay(data, stricter, 5);

      // 10, 10.00, 1e1 and 9999.99 are now over the cap; 10000.01 already was.
      assertThat(report.changed()).isEqualTo(4);
      assertThat(report.byVerdict()).containsEntry("require_approval -> refuse", 4L);
      assertThat(report.render()).contains("money.amount_over_cap", "+4 -0");
      assertThat(report.changes()).allSatisfy(c ->
          assertThat(c.replayed().rules()).contains("money.amount_over_cap"));
    }
  }

  @Test
  void theRulesMember_isComparedWhenPresent_andNullMeansNotEvaluated(@TempDir Path other)
      throws Exception {
    ObjectNode original = firstDecisionOf(data, "cancel_reservation");
    ObjectNode overridden = original.deepCopy();
    overridden.set("rules", ruleAnswer(original));
    overridden.put("verdict", "refuse");
    ObjectNode halted = original.deepCopy();
    halted.putNull("rules");
    halted.put("verdict", "refuse");
    ObjectNode tampered = original.deepCopy();
    tampered.put("verdict", "allow");

    try (Ledger ledger = Ledger.open(other, SigningKey.generate(), Clock.systemUTC(),
        LedgerOptions.defaults())) {
      for (ObjectNode entry : List.of(overridden, halted, tampered)) {
        ledger.append("decision", entry).join();
      }
      ledger.append("outcome", original.deepCopy()).join();
    }

    try (Policy same = Policy.load(RulesFolder.SHIPPED, null)) {
      ReplayReport report = Replayer.replay(other, same, 5);

      assertThat(report.decisions()).isEqualTo(3);
      assertThat(report.unchanged()).isEqualTo(1);
      assertThat(report.notEvaluatedByRules()).isEqualTo(1);
      assertThat(report.changed()).isEqualTo(1);
      assertThat(report.byVerdict()).containsEntry("allow -> require_approval", 1L);
    }
  }

  private static ObjectNode ruleAnswer(ObjectNode data) {
    ObjectNode rules = data.objectNode();
    rules.set("verdict", data.get("verdict"));
    rules.set("tier", data.get("tier"));
    rules.set("reasons", data.get("reasons"));
    return rules;
  }

  private static ObjectNode withoutKey(ObjectNode proposal) {
    proposal.remove("idempotency_key");
    return proposal;
  }

  private static long decisionCount(Path dir) throws Exception {
    return entries(dir).stream().filter(e -> e.kind().equals("decision")).count();
  }

  private static List<String> verdicts(Path dir) throws Exception {
    return entries(dir).stream().filter(e -> e.kind().equals("decision"))
        .map(e -> e.data().path("verdict").asText()).distinct().toList();
  }

  private static List<String> recordedRules(Path dir) throws Exception {
    List<String> out = new ArrayList<>();
    entries(dir).stream().filter(e -> e.kind().equals("decision"))
        .forEach(e -> e.data().path("reasons").forEach(r -> out.add(r.path("rule").asText())));
    return out;
  }

  private static ObjectNode firstDecisionOf(Path dir, String tool) throws Exception {
    return entries(dir).stream()
        .filter(e -> e.kind().equals("decision"))
        .filter(e -> e.data().path("proposal").path("tool").asText().equals(tool))
        .findFirst().orElseThrow().data().deepCopy();
  }

  private static List<LedgerEntry> entries(Path dir) throws Exception {
    List<LedgerEntry> out = new ArrayList<>();
    LedgerReader.read(dir, out::add);
    return out;
  }
}
