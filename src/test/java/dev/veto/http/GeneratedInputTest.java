package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of generated bodies, each a valid proposal broken in one random way (bytes cut,
 * inserted or flipped, keys duplicated, values swapped for other types, deep nesting, long
 * numbers, odd Unicode): never a 5xx, always a JSON answer, and a rejected body never changes
 * the ledger. The seed is fixed, so a failure names a reproducible case.
 */
class GeneratedInputTest {

  private static final long SEED = 20261203L;
  private static final int BODIES = 2_000;
  private static final String VALID = "{\"task_id\":\"t-1\",\"agent_id\":\"a\",\"tool\":"
      + "\"modify_user_address\",\"args\":{\"user_id\":\"u1\",\"address\":{\"zip\":\"10001\"},"
      + "\"amount\":12.5,\"tags\":[1,2,3]},\"step\":3,\"idempotency_key\":\"k\","
      + "\"tokens_used\":40}";
  private static final String[] VALUES = {"null", "true", "-0", "1e308", "1e-400", "[]", "{}",
      "\"\"", "\"\\u0000\"", "\"\\ud800\"", "\"gеt_user_details\"", "99999999999999999999",
      "[[[[[[[[[[]]]]]]]]]]", "\"" + "x".repeat(300) + "\"", "NaN", "0x10", "'s'"};

  @TempDir
  Path data;

  @Test
  void generatedBrokenBodies_neverGet5xx_andRejectedOnesWriteNothing() {
    Random random = new Random(SEED);
    try (VetoFixture veto = VetoFixture.start(data)) {
      for (int i = 0; i < BODIES; i++) {
        byte[] body = mutate(random, i);
        long before = veto.ledgerSeq();

        Reply reply = veto.postBytes("/v1/decide", body);

        String what = "case " + i + ": " + new String(body, StandardCharsets.UTF_8);
        assertThat(reply.status()).as(what).isLessThan(500);
        assertThat(reply.json().isObject()).as(what).isTrue();
        if (reply.status() != 200) {
          assertThat(veto.ledgerSeq()).as(what).isEqualTo(before);
          assertThat(reply.json().path("code").asText()).as(what).isNotBlank();
        }
      }

      assertThat(veto.get("/health").status()).isEqualTo(200);
    }
  }

  private static byte[] mutate(Random random, int caseNumber) {
    // Each body has its own key, so a valid mutation is a new decision, not a conflict.
    String text = VALID.replace("\"k\"", "\"k-" + caseNumber + "\"");
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    switch (random.nextInt(8)) {
      case 0 -> bytes = cut(bytes, random.nextInt(bytes.length));
      case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      case 2 -> bytes = insert(bytes, random.nextInt(bytes.length), (byte) random.nextInt(256));
      case 3 -> bytes = replaceValue(text, random).getBytes(StandardCharsets.UTF_8);
      case 4 -> bytes = text.replace("\"step\":3", "\"step\":3,\"tool\":\"delete_all\"")
          .getBytes(StandardCharsets.UTF_8);
      case 5 -> bytes = text.replace("[1,2,3]", "[".repeat(1 + random.nextInt(60)))
          .getBytes(StandardCharsets.UTF_8);
      case 6 -> bytes = text.replace("12.5", "1" + "0".repeat(random.nextInt(120)) + ".5")
          .getBytes(StandardCharsets.UTF_8);
      default -> bytes = text.replace("modify_user_address",
          new String(Character.toChars(0x80 + random.nextInt(0x2FFF))) + "et_user")
          .getBytes(StandardCharsets.UTF_8);
    }
    return bytes;
  }

  private static String replaceValue(String text, Random random) {
    String[] fields = {"\"t-1\"", "\"a\"", "\"modify_user_address\"", "3", "40", "12.5",
        "\"u1\"", "[1,2,3]"};
    return text.replaceFirst(java.util.regex.Pattern.quote(fields[random.nextInt(fields.length)]),
        java.util.regex.Matcher.quoteReplacement(VALUES[random.nextInt(VALUES.length)]));
  }

  private static byte[] cut(byte[] bytes, int at) {
    byte[] shorter = new byte[at];
    System.arraycopy(bytes, 0, shorter, 0, at);
    return shorter;
  }

  private static byte[] insert(byte[] bytes, int at, byte b) {
    byte[] longer = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, longer, 0, at);
    longer[at] = b;
    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
    return longer;
  }
}
