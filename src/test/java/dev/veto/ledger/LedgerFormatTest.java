package dev.veto.ledger;

import static dev.veto.ledger.LedgerFixture.KEY;
import static dev.veto.ledger.LedgerFixture.data;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import dev.veto.testing.TestClock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes on disk follow docs/LEDGER.md, checked the way an outside auditor would. */
class LedgerFormatTest {

  @TempDir
  Path dataDir;

  @Test
  void everyLine_isExactlyItsOwnCanonicalForm() throws IOException {
    List<String> lines = LedgerFixture.lines(LedgerFixture.writeEntries(dataDir, 3));

    for (String line : lines) {
      assertThat(Json.canonical(line)).isEqualTo(line);
    }
  }

  @Test
  void firstEntry_hasTheDocumentedFieldsAndValues() throws IOException {
    String line = LedgerFixture.lines(LedgerFixture.writeEntries(dataDir, 1)).get(0);

    JsonNode entry = Json.MAPPER.readTree(line).get("entry");

    assertThat(line).startsWith("{\"entry\":{\"data\":{").endsWith("\"}");
    assertThat(entry.get("seq").asLong()).isEqualTo(1);
    assertThat(entry.get("prev").asText()).isEqualTo("0".repeat(64));
    assertThat(entry.get("time").asText()).isEqualTo("2026-12-03T16:00:00.123Z");
    assertThat(entry.get("kind").asText()).isEqualTo("decision");
    assertThat(entry.get("key_id").asText()).isEqualTo(KEY.keyId());
    assertThat(entry.get("v").asInt()).isEqualTo(1);
    assertThat(entry.get("data")).isEqualTo(data(1));
  }

  @Test
  void hashAndSignature_matchTheSpecComputedIndependently() throws IOException {
    String line = LedgerFixture.lines(LedgerFixture.writeEntries(dataDir, 2)).get(1);
    JsonNode root = Json.MAPPER.readTree(line);

    byte[] body = Json.canonical(root.get("entry"));
    byte[] hash = EntryFormat.sha256().digest(body);
    byte[] domain = "veto-ledger-v1\n".getBytes(UTF_8);
    byte[] message = new byte[domain.length + hash.length];
    System.arraycopy(domain, 0, message, 0, domain.length);
    System.arraycopy(hash, 0, message, domain.length, hash.length);
    byte[] signature = Base64.getDecoder().decode(root.get("sig").asText());

    assertThat(root.get("hash").asText()).isEqualTo(HexFormat.of().formatHex(hash));
    assertThat(KEY.verifyingKey().verify(message, signature)).isTrue();
    assertThat(KEY.verifyingKey().verify(hash, signature)).isFalse();
  }

  @Test
  void timeWithZeroMillis_stillShowsThreeDigits() throws IOException {
    TestClock clock = TestClock.at("2026-01-02T03:04:05Z");

    try (Ledger ledger = Ledger.open(dataDir, KEY, clock, LedgerOptions.defaults())) {
      ledger.append("decision", data(1)).join();

      String time = LedgerFixture.replay(ledger).get(0).time();
      assertThat(time).isEqualTo("2026-01-02T03:04:05.000Z");
    }
  }
}
