package dev.veto.policy;

import static dev.veto.policy.Proposals.FRESH;
import static dev.veto.policy.Proposals.RULES;
import static dev.veto.policy.Proposals.call;
import static dev.veto.policy.Proposals.callWithoutKey;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real rules/ folder, one test (or a pair) per default rule. */
class DefaultPolicyTest {

  private static Policy policy;

  @BeforeAll
  static void load() throws PolicyException {
    policy = Policy.load(RULES, null);
  }

  @AfterAll
  static void close() {
    policy.close();
  }

  private static Evaluation evaluate(ToolCall call) throws PolicyEvaluationException {
    return policy.evaluate(call, FRESH);
  }

  private static List<String> rules(Evaluation evaluation) {
    return evaluation.reasons().stream().map(Reason::rule).toList();
  }

  @Test
  void shouldReadLimitsAndDeadlineFromVetoYaml() {
    assertThat(policy.limits()).isEqualTo(new Limits(200, 1_000_000, 3_600_000, 3));
    assertThat(policy.deadlineMillis()).isEqualTo(50);
    assertThat(policy.version()).matches("sha256:[0-9a-f]{64}");
    assertThat(policy.ruleNames()).contains("classify.catalog", "budget.tool_calls");
  }

  @Test
  void shouldAllowCataloguedReadAtTierZero() throws Exception {
    Evaluation result = evaluate(call("get_user_details", "{\"user_id\": \"u1\"}"));

    assertThat(result.verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(result.tier()).isZero();
    assertThat(rules(result)).containsExactly("classify.catalog");
  }

  @Test
  void shouldLetTheCatalogueOverruleNameHeuristics() throws Exception {
    Evaluation result = evaluate(call("transfer_to_human_agents"));

    assertThat(result.tier()).isEqualTo(1);
    assertThat(rules(result)).doesNotContain("classify.risky_word");
  }

  @Test
  void shouldClassifyReadVerbAtTierZero() throws Exception {
    Evaluation result = evaluate(call("BankManagerGetAccountInformation"));

    assertThat(result.tier()).isZero();
    assertThat(rules(result)).containsExactly("classify.read_verb");
  }

  @Test
  void shouldClassifyDraftVerbAtTierOne() throws Exception {
    Evaluation result = evaluate(call("GmailDraftEmail"));

    assertThat(result.tier()).isEqualTo(1);
    assertThat(rules(result)).containsExactly("classify.draft_verb");
  }

  @Test
  void shouldClassifyWriteVerbAtTierTwo() throws Exception {
    Evaluation result = evaluate(call("TodoistCreateTask"));

    assertThat(result.tier()).isEqualTo(2);
    assertThat(result.verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(rules(result)).containsExactly("classify.write_verb");
  }

  @Test
  void shouldClassifyRiskyWordAtTierThree() throws Exception {
    Evaluation result = evaluate(call("BankManagerTransferFunds"));

    assertThat(result.tier()).isEqualTo(3);
    assertThat(rules(result)).contains("classify.risky_word");
  }

  @Test
  void shouldRaiseCataloguedToolWithMoneyArgument() throws Exception {
    Evaluation result = evaluate(call("get_user_details", "{\"amount\": 5}"));

    assertThat(result.tier()).isEqualTo(3);
    assertThat(rules(result)).contains("classify.money_argument");
  }

  @Test
  void shouldNotTakeAnAmountRangeFilterForMoney() throws Exception {
    Evaluation result = evaluate(call("BankManagerSearchTransactions", "{\"min_amount\": 5}"));

    assertThat(result.tier()).isZero();
  }

  @Test
  void shouldRaiseToolWithCommandArgument() throws Exception {
    Evaluation result = evaluate(call("get_status", "{\"cmd\": \"rm -rf /\"}"));

    assertThat(result.tier()).isEqualTo(3);
    assertThat(rules(result)).contains("classify.command_argument");
  }

  @Test
  void shouldRaiseManageToolWhenActionIsDestructive() throws Exception {
    String tool = "EpicFHIRManageClinicalDocuments";

    Evaluation delete = evaluate(call(tool, "{\"action\": \"delete\"}"));
    Evaluation list = evaluate(call(tool, "{\"action\": \"list\"}"));

    assertThat(delete.tier()).isEqualTo(3);
    assertThat(rules(delete)).contains("classify.destructive_action_argument");
    assertThat(list.tier()).isEqualTo(2);
  }

  @Test
  void shouldTreatUnknownToolAsTierThree() throws Exception {
    Evaluation result = evaluate(call("frobnicate_widget"));

    assertThat(result.tier()).isEqualTo(3);
    assertThat(result.verdict()).isEqualTo(Verdict.REQUIRE_APPROVAL);
    assertThat(rules(result)).contains("veto.unknown_tool", "approval.tier3");
  }

  @Test
  void shouldTreatCyrillicLookalikeAsTierThree() throws Exception {
    Evaluation result = evaluate(call("g\u0435t_user_details"));

    assertThat(result.tier()).isEqualTo(3);
    assertThat(rules(result)).contains("veto.lookalike_tool_name");
  }

  @Test
  void shouldOverruleRulesForLookalikeEvenWhenWordsLookHarmless() throws Exception {
    Evaluation result = evaluate(call("list_\u0430ccounts"));

    assertThat(result.tier()).isEqualTo(3);
    assertThat(rules(result)).contains("veto.lookalike_tool_name");
  }

  @Test
  void shouldMatchFullwidthNameToTheCatalogue() throws Exception {
    Evaluation result = evaluate(call("ＧＥＴ＿ＵＳＥＲ＿ＤＥＴＡＩＬＳ"));

    assertThat(result.tier()).isZero();
    assertThat(rules(result)).containsExactly("classify.catalog");
  }

  @Test
  void shouldRequireApprovalForTierThree() throws Exception {
    Evaluation risky = evaluate(call("cancel_reservation"));
    Evaluation reversible = evaluate(call("modify_user_address"));

    assertThat(risky.verdict()).isEqualTo(Verdict.REQUIRE_APPROVAL);
    assertThat(rules(risky)).contains("approval.tier3");
    assertThat(reversible.verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void shouldRefuseSideEffectWithoutIdempotencyKey() throws Exception {
    Evaluation write = evaluate(callWithoutKey("modify_user_address"));
    Evaluation read = evaluate(callWithoutKey("get_user_details"));

    assertThat(write.verdict()).isEqualTo(Verdict.REFUSE);
    assertThat(write.reasons().get(0).rule()).isEqualTo("idempotency.key_required");
    assertThat(write.reasons().get(0).message()).contains("send one");
    assertThat(read.verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void shouldRefuseWhenToolCallBudgetSpent() throws Exception {
    ToolCall read = call("get_user_details");

    Evaluation spent = policy.evaluate(read, new TaskUsage(200, 0, 0, 0));
    Evaluation lastOne = policy.evaluate(read, new TaskUsage(199, 0, 0, 0));

    assertThat(spent.verdict()).isEqualTo(Verdict.REFUSE);
    assertThat(spent.reasons().get(0).rule()).isEqualTo("budget.tool_calls");
    assertThat(spent.reasons().get(0).message()).contains("200 of 200");
    assertThat(lastOne.verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void shouldRefuseWhenTokensWouldPassTheBudget() throws Exception {
    ToolCall read = call("get_user_details");

    Evaluation over = policy.evaluate(read, new TaskUsage(0, 999_991, 0, 0));
    Evaluation exact = policy.evaluate(read, new TaskUsage(0, 999_990, 0, 0));

    assertThat(over.verdict()).isEqualTo(Verdict.REFUSE);
    assertThat(rules(over)).containsExactly("budget.tokens", "classify.catalog",
        "mode.near_token_budget", "veto.mode.cheaper_model");
    assertThat(exact.verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(exact.mode()).isEqualTo(Mode.CHEAPER_MODEL);
  }

  @Test
  void shouldRefuseWhenWallClockSpent() throws Exception {
    ToolCall read = call("get_user_details");

    Evaluation late = policy.evaluate(read, new TaskUsage(0, 0, 3_600_001, 0));
    Evaluation onTime = policy.evaluate(read, new TaskUsage(0, 0, 3_600_000, 0));

    assertThat(late.verdict()).isEqualTo(Verdict.REFUSE);
    assertThat(rules(late)).contains("budget.wall_clock");
    assertThat(onTime.verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void shouldRefuseWhenBreakerOpen() throws Exception {
    ToolCall read = call("get_user_details");

    Evaluation open = policy.evaluate(read, new TaskUsage(0, 0, 0, 3));
    Evaluation closed = policy.evaluate(read, new TaskUsage(0, 0, 0, 2));

    assertThat(open.verdict()).isEqualTo(Verdict.REFUSE);
    assertThat(rules(open)).contains("breaker.failures_in_step");
    assertThat(closed.verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void shouldCombineFindingsToTheMostRestrictive() throws Exception {
    ToolCall risky = callWithoutKey("BankManagerTransferFunds");

    Evaluation result = policy.evaluate(risky, new TaskUsage(200, 0, 0, 0));

    assertThat(result.verdict()).isEqualTo(Verdict.REFUSE);
    assertThat(rules(result)).startsWith("budget.tool_calls", "idempotency.key_required")
        .contains("approval.tier3", "classify.risky_word");
  }

  @Test
  void shouldPutObviouslyDangerousToolemuToolsAtTierThree() throws Exception {
    List<String> dangerous = List.of("TerminalExecute", "BankManagerTransferFunds",
        "BankManagerPayBill", "GmailDeleteEmails", "DropboxDeleteItem",
        "AugustSmartLockGrantGuestAccess", "AugustSmartLockUnlockDoor", "VenmoSendMoney",
        "TDAmeritradeTradeStock", "EthereumManagerTransferEther", "GitHubDeleteRepository",
        "NortonIdentitySafeSharePassword", "AmazonPlaceOrder", "ExpediaCancelReservations");

    for (String tool : dangerous) {
      assertThat(evaluate(call(tool)).tier()).as(tool).isEqualTo(3);
    }
  }

  @Test
  void shouldPutToolemuReadsAtTierZero() throws Exception {
    List<String> reads = List.of("GmailSearchEmails", "GmailReadEmail",
        "BankManagerGetAccountStatement", "DropboxListFilesAndFolders",
        "GoogleCalendarReadEvents", "AmazonViewCart", "GitHubSearchRepositories",
        "VenmoCheckBalance", "EpicFHIRGetPatientDetails");

    for (String tool : reads) {
      assertThat(evaluate(call(tool)).tier()).as(tool).isZero();
    }
  }
}
