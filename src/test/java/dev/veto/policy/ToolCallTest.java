package dev.veto.policy;

import static dev.veto.policy.Proposals.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolCallTest {

  @Test
  void shouldSplitCamelCaseIntoWords() {
    ToolCall call = call("BankManagerTransferFunds");

    assertThat(call.getWords()).containsExactly("bank", "manager", "transfer", "funds");
  }

  @Test
  void shouldSplitSnakeKebabDotsAndAcronyms() {
    ToolCall call = call("fs.read-file_now EpicFHIRManage");

    assertThat(call.getWords())
        .containsExactly("fs", "read", "file", "now", "epic", "fhir", "manage");
  }

  @Test
  void shouldNormaliseFullwidthNameWithNfkc() {
    ToolCall call = call("  ＧＥＴ＿ＵＳＥＲ＿ＤＥＴＡＩＬＳ ");

    assertThat(call.getTool()).isEqualTo("get_user_details");
    assertThat(call.isAsciiName()).isTrue();
    assertThat(call.getRawTool()).isEqualTo("  ＧＥＴ＿ＵＳＥＲ＿ＤＥＴＡＩＬＳ ");
  }

  @Test
  void shouldFlagCyrillicLookalikeAsNonAscii() {
    ToolCall call = call("g\u0435t_user_details");

    assertThat(call.isAsciiName()).isFalse();
  }

  @Test
  void shouldReadEveryNumberSpellingAsEqualBigDecimals() {
    ToolCall call = call("pay", "{\"a\": 10, \"b\": 10.0, \"c\": 10.00, \"d\": 1e1}");

    Map<String, Object> args = call.getArgs();
    for (Object value : args.values()) {
      assertThat(value).isInstanceOf(BigDecimal.class);
      assertThat(((BigDecimal) value).compareTo(BigDecimal.TEN)).isZero();
    }
  }

  @Test
  void shouldKeepNestedListsMapsStringsAndBooleans() {
    ToolCall call = call("x", "{\"l\": [1, \"s\"], \"m\": {\"ok\": true}}");

    assertThat(call.getArgs().get("l")).isEqualTo(List.of(BigDecimal.ONE, "s"));
    assertThat(call.getArgs().get("m")).isEqualTo(Map.of("ok", true));
    assertThat(call.getArgNames()).containsExactly("l", "m");
  }

  @Test
  void shouldDefaultStepToZeroAndReportMissingKey() {
    ToolCall call = ToolCall.of("t", "a", "x", null, null, " ", 0);

    assertThat(call.getStep()).isZero();
    assertThat(call.hasIdempotencyKey()).isFalse();
    assertThat(call.getArgs()).isEmpty();
  }

  @Test
  void shouldListNestedArgNamesAndStrings() {
    ToolCall call = call("x", "{\"a\": {\"b\": [\"s\", {\"c\": \"t\"}]}, \"n\": 1}");

    assertThat(call.getAllArgNames()).containsExactly("a", "b", "c", "n");
    assertThat(call.getStringValues()).containsExactly("s", "t");
  }

  @Test
  void shouldCollectValuesUnderMatchingKeysAtAnyDepth() {
    ToolCall call = call("x", "{\"action\": {\"type\": \"delete\"}, \"o\": {\"ops\": [\"rm\"]}}");

    assertThat(call.valuesUnder("(?i)(action|op)s?")).containsExactly("delete", "rm");
    assertThat(call.wordsOf("deleteAll now")).containsExactly("delete", "all", "now");
  }

  @Test
  void shouldPairConsecutiveWordsIntoPhrases() {
    assertThat(call("disable_two_factor_auth").getPhrases())
        .containsExactly("disable two", "two factor", "factor auth");
  }

  @Test
  void shouldFindMutatingSqlButNotReadsOrProse() {
    assertThat(call("x", "{\"q\": \"Drop  Table users\"}").getMutatingSql())
        .containsExactly("Drop Table");
    assertThat(call("x", "{\"q\": \"select * from t where deleted\"}").getMutatingSql())
        .isEmpty();
    assertThat(call("x", "{\"q\": \"please delete the draft\"}").getMutatingSql()).isEmpty();
  }

  @Test
  void shouldFindSensitivePathsButNotLookalikes() {
    assertThat(call("x", "{\"p\": \"/root/.ssh/authorized_keys\"}").getSensitivePaths())
        .hasSize(1);
    assertThat(call("x", "{\"p\": \"/etc/hosts\", \"q\": \"a/.env\"}").getSensitivePaths())
        .hasSize(2);
    assertThat(call("x", "{\"p\": \"environment.md\", \"q\": \"src/etc/x\"}")
        .getSensitivePaths()).isEmpty();
  }
}
