package dev.veto.policy;

import static dev.veto.policy.Proposals.FRESH;
import static dev.veto.policy.Proposals.RULES;
import static dev.veto.policy.Proposals.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tools an attacker found at tier 0-2 that must be tier 3, and what must stay low. */
class DefaultPolicyBypassTest {

  private static Policy policy;

  @BeforeAll
  static void load() throws PolicyException {
    policy = Policy.load(RULES, null);
  }

  @AfterAll
  static void close() {
    policy.close();
  }

  private static Evaluation evaluate(String tool, String args) throws Exception {
    return policy.evaluate(call(tool, args), FRESH);
  }

  private static void assertTierThree(String tool, String args, String rule) throws Exception {
    Evaluation result = evaluate(tool, args);

    assertThat(result.tier()).as(tool + " " + args).isEqualTo(3);
    assertThat(result.verdict()).as(tool + " " + args).isEqualTo(Verdict.REQUIRE_APPROVAL);
    assertThat(result.reasons().stream().map(Reason::rule)).as(tool + " " + args)
        .contains(rule);
  }

  private static int tier(String tool, String args) throws Exception {
    return evaluate(tool, args).tier();
  }

  // SQL in any argument

  @Test
  void shouldRaiseDropTableInSqlArgument() throws Exception {
    assertTierThree("query_database", "{\"sql\": \"DROP TABLE users\"}",
        "classify.mutating_sql_argument");
  }

  @Test
  void shouldRaiseDeleteFromInAnyArgumentName() throws Exception {
    assertTierThree("sql_query", "{\"q\": \"DELETE FROM accounts\"}",
        "classify.mutating_sql_argument");
  }

  @Test
  void shouldRaiseMutatingSqlNestedLowerCaseOrBehindComments() throws Exception {
    assertTierThree("run_report", "{\"opts\": {\"stmts\": [\"select 1; update t set a=1\"]}}",
        "classify.mutating_sql_argument");
    assertTierThree("query_database", "{\"sql\": \"drop/**/table users\"}",
        "classify.mutating_sql_argument");
    assertTierThree("query_database", "{\"sql\": \"truncate accounts;\"}",
        "classify.mutating_sql_argument");
    assertTierThree("query_database", "{\"sql\": \"GRANT ALL ON db.* TO eve\"}",
        "classify.mutating_sql_argument");
    assertTierThree("query_database", "{\"sql\": \"insert into t values (1)\"}",
        "classify.mutating_sql_argument");
  }

  @Test
  void shouldNotTakeReadSqlOrProseForMutatingSql() throws Exception {
    assertThat(tier("query_database", "{\"sql\": \"SELECT * FROM users WHERE dropped = 1\"}"))
        .isZero();
    assertThat(tier("web_search", "{\"query\": \"how to delete a tweet or update settings\"}"))
        .isZero();
  }

  // destructive words

  @Test
  void shouldRaiseNukeInToolName() throws Exception {
    assertTierThree("fetch_and_nuke_database", "{}", "classify.risky_word");
  }

  @Test
  void shouldRaiseFormatInToolName() throws Exception {
    assertTierThree("check_then_format_disk", "{}", "classify.risky_word");
  }

  @Test
  void shouldNotSeeFormatInsideInformation() throws Exception {
    assertThat(tier("get_account_information", "{}")).isZero();
  }

  // privileges

  @Test
  void shouldRaiseAddAdminUser() throws Exception {
    assertTierThree("add_admin_user", "{}", "classify.risky_word");
  }

  @Test
  void shouldRaiseAssignAdminPrivileges() throws Exception {
    assertTierThree("assign_admin_privileges", "{}", "classify.risky_word");
  }

  @Test
  void shouldRaiseRoleArgument() throws Exception {
    assertTierThree("update_user", "{\"role\": \"admin\"}", "classify.permission_argument");
    assertTierThree("update_user", "{\"user\": {\"scopes\": [\"repo\"]}}",
        "classify.permission_argument");
  }

  // authentication

  @Test
  void shouldRaiseDisableMfa() throws Exception {
    assertTierThree("disable_mfa", "{}", "classify.risky_word");
  }

  @Test
  void shouldRaiseDisableTwoFactorAuth() throws Exception {
    assertTierThree("disable_two_factor_auth", "{}", "classify.risky_phrase");
  }

  // exposure

  @Test
  void shouldRaiseUpdateFirewallRules() throws Exception {
    assertTierThree("update_firewall_rules", "{}", "classify.risky_word");
  }

  @Test
  void shouldRaiseEnablePublicAccess() throws Exception {
    assertTierThree("enable_public_access", "{}", "classify.risky_word");
    assertTierThree("modify_security_group", "{}", "classify.risky_phrase");
  }

  // money

  @Test
  void shouldRaiseUpdateAccountBalance() throws Exception {
    assertTierThree("update_account_balance", "{\"balance\": 1000000}",
        "classify.balance_write");
    assertTierThree("update_account_balance", "{\"balance\": 1000000}",
        "classify.money_argument");
  }

  @Test
  void shouldRaiseSetBalance() throws Exception {
    assertTierThree("set_balance", "{}", "classify.balance_write");
  }

  @Test
  void shouldRaiseCataloguedWriteWithCurrencyAmount() throws Exception {
    assertTierThree("modify_user_address", "{\"amount_usd\": 5000}", "classify.money_argument");
  }

  @Test
  void shouldRaiseTotalArgument() throws Exception {
    assertTierThree("update_order", "{\"total\": 5000}", "classify.money_argument");
    assertTierThree("update_order", "{\"order\": {\"shippingFee\": 5}}",
        "classify.money_argument");
  }

  @Test
  void shouldStillReadBalancesAndFeedbackAtLowTiers() throws Exception {
    assertThat(tier("VenmoCheckBalance", "{}")).isZero();
    assertThat(tier("get_balance", "{}")).isZero();
    assertThat(tier("send_message", "{\"feedback\": \"great\", \"coffee\": 1}")).isEqualTo(2);
  }

  // HTTP methods

  @Test
  void shouldRaiseHttpDelete() throws Exception {
    assertTierThree("http_request", "{\"method\": \"DELETE\", \"url\": \"https://x/a/1\"}",
        "classify.http_method_delete");
  }

  @Test
  void shouldTreatHttpWritesAsAtLeastTierTwo() throws Exception {
    for (String method : List.of("POST", "PUT", "patch")) {
      String args = "{\"method\": \"" + method + "\"}";
      assertThat(tier("http_request", args)).as(method).isGreaterThanOrEqualTo(2);
      assertThat(tier("web_fetch", args)).as(method).isGreaterThanOrEqualTo(2);
    }
    assertThat(tier("web_fetch", "{\"method\": \"GET\"}")).isZero();
  }

  // credential and system paths

  @Test
  void shouldRaiseWriteToAuthorizedKeys() throws Exception {
    assertTierThree("write_file", "{\"path\": \"/root/.ssh/authorized_keys\"}",
        "classify.sensitive_path_argument");
    for (String path : List.of("/etc/sudoers", "~/.aws/credentials", "app/.env",
        "/home/u/.kube/config", "C:\\\\Users\\\\u\\\\.ssh\\\\id_rsa")) {
      assertThat(tier("write_file", "{\"file\": \"" + path + "\"}")).as(path).isEqualTo(3);
    }
  }

  @Test
  void shouldKeepOrdinaryPathsAtTheCataloguedTier() throws Exception {
    assertThat(tier("write_file", "{\"path\": \"docs/environment.md\"}")).isEqualTo(2);
    assertThat(tier("read_file", "{\"path\": \"src/etc/notes.txt\"}")).isZero();
  }

  @Test
  void shouldRaiseUpdateCrontab() throws Exception {
    assertTierThree("update_crontab", "{}", "classify.risky_word");
  }

  // nested and plural action arguments

  @Test
  void shouldRaiseNestedActionType() throws Exception {
    assertTierThree("manage_resource", "{\"action\": {\"type\": \"delete\"}}",
        "classify.destructive_action_argument");
  }

  @Test
  void shouldRaisePluralActions() throws Exception {
    assertTierThree("manage_resource", "{\"actions\": \"delete\"}",
        "classify.destructive_action_argument");
    assertTierThree("manage_resource", "{\"operations\": [\"list\", \"deleteAll\"]}",
        "classify.destructive_action_argument");
  }

  @Test
  void shouldNotTakeCompanyForPay() throws Exception {
    assertThat(tier("manage_resource", "{\"type\": \"company\", \"action\": \"running\"}"))
        .isEqualTo(2);
  }

  @Test
  void shouldKeepFlightStatusAtTierZero() throws Exception {
    assertThat(tier("get_flight_status", "{\"flight_number\": \"HAT001\", \"date\": \"x\"}"))
        .isZero();
  }
}
