package dev.veto.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import dev.veto.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every Ed25519 case of Wycheproof (C2SP/wycheproof testvectors_v1) through
 * {@link VerifyingKey#verify}: "valid" must verify, "invalid" must not.
 *
 * <p>Veto's verifier is Bouncy Castle's (1.87) strict RFC 8032 verifier. It agrees with
 * Wycheproof on all 151 cases, including the 22 InvalidEncoding cases (non-canonical R or S)
 * and the 8 SignatureMalleability cases (S >= L): all are rejected. Every public key in the
 * file decodes, so every answer comes from verify itself. {@link #DIFFERS_FROM_WYCHEPROOF}
 * lists the cases (by tcId) where Veto's verifier gives the other answer; it is empty, and a
 * library change that makes it non-empty must be written down here and in docs/LEDGER.md.
 */
class WycheproofEd25519Test {

  private static final Map<Integer, String> DIFFERS_FROM_WYCHEPROOF = Map.of();
  private static final HexFormat HEX = HexFormat.of();
  private static final int EXPECTED_CASES = 151;

  @TestFactory
  List<DynamicTest> everyCase_verifiesExactlyAsWycheproofSays() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();

    for (JsonNode group : vectors().get("testGroups")) {
      byte[] publicKey = HEX.parseHex(group.get("publicKey").get("pk").asText());
      for (JsonNode test : group.get("tests")) {
        tests.add(dynamicTest(publicKey, test));
      }
    }

    assertThat(tests).hasSize(EXPECTED_CASES);
    return tests;
  }

  @Test
  void vectorFile_hasOnlyValidAndInvalidResults() throws IOException {
    JsonNode root = vectors();

    List<String> results = root.findValuesAsText("result");

    assertThat(results).hasSize(EXPECTED_CASES).containsOnly("valid", "invalid");
  }

  private static DynamicTest dynamicTest(byte[] publicKey, JsonNode test) {
    int tcId = test.get("tcId").asInt();
    boolean expected = "valid".equals(test.get("result").asText())
        ^ DIFFERS_FROM_WYCHEPROOF.containsKey(tcId);
    String name = "tcId " + tcId + " " + test.get("result").asText() + " "
        + test.get("comment").asText();
    return DynamicTest.dynamicTest(name, () -> {
      byte[] message = HEX.parseHex(test.get("msg").asText());
      byte[] signature = HEX.parseHex(test.get("sig").asText());

      boolean actual = verify(publicKey, message, signature);

      assertThat(actual).as(name).isEqualTo(expected);
    });
  }

  private static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    // Wycheproof keys are all 32 bytes; a key that is not a valid point cannot verify anything.
    try {
      return VerifyingKey.fromRaw(publicKey).verify(message, signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static JsonNode vectors() throws IOException {
    Path file = SharedFiles.vectors("wycheproof", "ed25519_test.json");
    return Json.MAPPER.readTree(file.toFile());
  }
}
