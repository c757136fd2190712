package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.SigningKey;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: any single change to an exported bundle or to the ledger file is detected. Every
 * byte is changed in turn (one of its bits flipped, in a rotating order), the file is cut at
 * every length (the ledger checked against a checkpoint the auditor kept), and entries are
 * swapped; the ledger holds a key rotation and checkpoints so
 * that every kind of field is covered.
 */
class TamperPropertyTest {

  private static final VerifyingKey FIRST = LedgerFixture.KEY.verifyingKey();

  @TempDir
  Path dataDir;

  private byte[] ledgerBytes;
  private String keptCheckpoint;

  @BeforeEach
  void writeLedgerWithRotationAndCheckpoints() throws IOException {
    SigningKey next = SigningKey.generate();
    LedgerFixture.writeEntries(dataDir, 3);
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      ledger.rotateTo(next.verifyingKey());
    }
    try (Ledger ledger = Ledger.open(dataDir, next, LedgerFixture.clock(),
        LedgerOptions.defaults())) {
      ledger.checkpoint().join();
      ledger.append("decision", LedgerFixture.data(6)).join();
      ledger.append("decision", LedgerFixture.data(7)).join();
      ledger.checkpoint().join();
      keptCheckpoint = ledger.read(8).data().get("note").asText();
    }
    ledgerBytes = Files.readAllBytes(LedgerFixture.file(dataDir));
    assertThat(audit(ledgerBytes).ok()).isTrue();
  }

  @Test
  void ledger_everySingleByteChange_isDetected() throws IOException {
    List<Integer> undetected = new ArrayList<>();
    for (int i = 0; i < ledgerBytes.length; i++) {
      byte[] changed = ledgerBytes.clone();
      changed[i] ^= (byte) (1 << (i % 8));
      if (audit(changed).ok()) {
        undetected.add(i);
      }
    }
    assertThat(undetected).as("byte offsets whose change went unnoticed").isEmpty();
  }

  @Test
  void ledger_everyTruncationAndSwap_isDetectedAgainstAKeptCheckpoint() throws IOException {
    List<String> lines = LedgerFixture.lines(LedgerFixture.file(dataDir));
    // The kept checkpoint counts 7 entries; its own entry (8) is the one thing it cannot
    // vouch for, so cutting exactly that line is the only cut that must pass.
    int coveredPrefix = ledgerBytes.length - lines.get(7).getBytes(UTF_8).length - 1;
    for (int length = 0; length < ledgerBytes.length; length++) {
      if (length != coveredPrefix) {
        assertThat(audit(Arrays.copyOf(ledgerBytes, length)).ok()).as("cut at %d", length)
            .isFalse();
      }
    }
    for (int i = 0; i + 1 < lines.size(); i++) {
      List<String> swapped = new ArrayList<>(lines);
      swapped.set(i, lines.get(i + 1));
      swapped.set(i + 1, lines.get(i));
      assertThat(audit((String.join("\n", swapped) + "\n").getBytes()).ok())
          .as("lines %d and %d swapped", i + 1, i + 2).isFalse();
    }
  }

  @Test
  void bundle_everySingleByteChangeAndTruncation_isDetected() throws IOException {
    byte[] bundle = BundleExporter.export(dataDir, FIRST, 2, 6);
    assertThat(BundleVerifier.verify(bundle, FIRST).problem()).isNull();

    List<Integer> undetected = new ArrayList<>();
    for (int i = 0; i < bundle.length; i++) {
      byte[] changed = bundle.clone();
      changed[i] ^= (byte) (1 << (i % 8));
      if (BundleVerifier.verify(changed, FIRST).problem() == null) {
        undetected.add(i);
      }
    }
    assertThat(undetected).as("byte offsets whose change went unnoticed").isEmpty();
    for (int length = 0; length < bundle.length; length++) {
      assertThat(BundleVerifier.verify(Arrays.copyOf(bundle, length), FIRST).problem())
          .as("cut at %d", length).isNotNull();
    }
  }

  @Test
  void bundle_reorderedOrDroppedParts_areDetected() throws IOException {
    byte[] bundle = BundleExporter.export(dataDir, FIRST, 2, 6);
    ObjectNode root = (ObjectNode) Json.MAPPER.readTree(bundle);

    ObjectNode swapped = root.deepCopy();
    ArrayNode entries = (ArrayNode) swapped.get("entries");
    var first = entries.get(0);
    entries.set(0, entries.get(1));
    entries.set(1, first);
    ObjectNode noRotation = root.deepCopy();
    ((ArrayNode) noRotation.get("rotations")).removeAll();
    ObjectNode shorter = root.deepCopy();
    ((ArrayNode) shorter.get("entries")).remove(4);
    shorter.put("to", 5);

    for (ObjectNode tampered : List.of(swapped, noRotation, shorter)) {
      assertThat(BundleVerifier.verify(Json.canonical(tampered), FIRST).problem())
          .isNotNull();
    }
  }

  private AuditReport audit(byte[] ledger) throws IOException {
    Path copy = dataDir.resolve("copy");
    Files.createDirectories(copy);
    Files.write(copy.resolve("ledger.jsonl"), ledger);
    return LedgerVerifier.audit(copy, FIRST, null, keptCheckpoint);
  }
}
