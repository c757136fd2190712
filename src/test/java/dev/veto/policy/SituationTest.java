package dev.veto.policy;

import static dev.veto.policy.Proposals.FRESH;
import static dev.veto.policy.Proposals.RULES;
import static dev.veto.policy.Proposals.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The built-in effects of degrade modes and probable duplicates, on the shipped rules. */
class SituationTest {

  private static final ToolCall READ = call("get_user_details", "{\"user_id\": \"u1\"}");
  private static final ToolCall DRAFT = call("transfer_to_human_agents");
  private static final ToolCall WRITE = call("enable_roaming", "{\"customer_id\": \"C1\"}");
  private static final ToolCall MONEY = call("BankManagerTransferFunds", "{\"amount\": 5}");

  private static Policy policy;

  @BeforeAll
  static void load() throws PolicyException {
    policy = Policy.load(RULES, null);
  }

  @AfterAll
  static void close() {
    policy.close();
  }

  private static Evaluation evaluate(ToolCall call, Mode mode, boolean duplicate)
      throws PolicyEvaluationException {
    return policy.evaluate(call, FRESH, new Situation(mode, duplicate));
  }

  private static List<String> rules(Evaluation evaluation) {
    return evaluation.reasons().stream().map(Reason::rule).toList();
  }

  @ParameterizedTest(name = "{0}: read {1}, draft {2}, write {3}, money {4}")
  @CsvSource({
      "NORMAL,          allow, allow,  allow,            require_approval",
      "CHEAPER_MODEL,   allow, allow,  allow,            require_approval",
      "HEURISTICS,      allow, allow,  allow,            require_approval",
      "CONFIRM,         allow, allow,  require_approval, require_approval",
      "QUEUE,           allow, refuse, refuse,           refuse",
      "EXTRACTION_ONLY, allow, refuse, refuse,           refuse"})
  void shouldApplyEachModeByTier(Mode mode, String read, String draft, String write,
      String money) throws Exception {
    assertThat(evaluate(READ, mode, false).verdict().wire()).isEqualTo(read);
    assertThat(evaluate(DRAFT, mode, false).verdict().wire()).isEqualTo(draft);
    assertThat(evaluate(WRITE, mode, false).verdict().wire()).isEqualTo(write);
    assertThat(evaluate(MONEY, mode, false).verdict().wire()).isEqualTo(money);
  }

  @Test
  void shouldNameTheModeThatChangedTheAnswer() throws Exception {
    assertThat(rules(evaluate(WRITE, Mode.QUEUE, false))).contains("veto.mode.queue");
    assertThat(rules(evaluate(WRITE, Mode.CONFIRM, false))).contains("veto.mode.confirm");
    assertThat(rules(evaluate(READ, Mode.CHEAPER_MODEL, false)))
        .contains("veto.mode.cheaper_model");
    assertThat(rules(evaluate(READ, Mode.EXTRACTION_ONLY, false)))
        .doesNotContain("veto.mode.extraction_only");
  }

  @Test
  void shouldAskApprovalForAProbableDuplicateWrite() throws Exception {
    Evaluation duplicate = evaluate(WRITE, Mode.NORMAL, true);

    assertThat(duplicate.verdict()).isEqualTo(Verdict.REQUIRE_APPROVAL);
    assertThat(rules(duplicate)).contains("veto.probable_duplicate");
    assertThat(evaluate(READ, Mode.NORMAL, true).verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void shouldTakeTheMostRestrictiveModeOfTwoScopes() {
    assertThat(Mode.mostRestrictive(Mode.NORMAL, Mode.CONFIRM)).isEqualTo(Mode.CONFIRM);
    assertThat(Mode.mostRestrictive(Mode.EXTRACTION_ONLY, Mode.QUEUE))
        .isEqualTo(Mode.EXTRACTION_ONLY);
  }
}
