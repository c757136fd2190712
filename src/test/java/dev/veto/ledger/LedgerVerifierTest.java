package dev.veto.ledger;

import static dev.veto.ledger.LedgerFixture.KEY;
import static dev.veto.ledger.LedgerFixture.data;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.crypto.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per kind of damage; each names the first bad entry and what is wrong. */
class LedgerVerifierTest {

  private static final int ENTRIES = 5;

  @TempDir
  Path dataDir;

  @Test
  void intactLedger_verifiesEveryEntry() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, ENTRIES);

    VerifyReport byDir = LedgerVerifier.verify(dataDir, KEY.verifyingKey());
    VerifyReport byFile = LedgerVerifier.verify(file, KEY.verifyingKey());

    assertThat(byDir).isEqualTo(new VerifyReport(ENTRIES, Optional.empty()));
    assertThat(byFile).isEqualTo(byDir);
    assertThat(byDir.ok()).isTrue();
  }

  @Test
  void emptyLedger_verifiesZeroEntries() throws IOException {
    LedgerFixture.writeEntries(dataDir, 0);

    VerifyReport report = LedgerVerifier.verify(dataDir, KEY.verifyingKey());

    assertThat(report).isEqualTo(new VerifyReport(0, Optional.empty()));
  }

  @Test
  void flippedByteInData_isHashMismatch() throws IOException {
    List<String> lines = lines();
    lines.set(2, lines.get(2).replace("\"tool\":\"shell\"", "\"tool\":\"shelL\""));

    VerifyReport report = verify(lines);

    assertFailure(report, 3, "hash mismatch");
  }

  @Test
  void flippedByteInHash_isHashMismatch() throws IOException {
    List<String> lines = lines();
    lines.set(3, flipHexAt(lines.get(3), lines.get(3).indexOf("\"hash\":\"") + 8));

    VerifyReport report = verify(lines);

    assertFailure(report, 4, "hash mismatch");
  }

  @Test
  void flippedByteInSignature_isBadSignature() throws IOException {
    List<String> lines = lines();
    String line = lines.get(1);
    int at = line.indexOf("\"sig\":\"") + 7 + 10;
    char swapped = line.charAt(at) == 'A' ? 'B' : 'A';
    lines.set(1, line.substring(0, at) + swapped + line.substring(at + 1));

    VerifyReport report = verify(lines);

    assertFailure(report, 2, "bad signature");
  }

  @Test
  void deletedEntry_isSeqGap() throws IOException {
    List<String> lines = lines();
    lines.remove(2);

    VerifyReport report = verify(lines);

    assertFailure(report, 3, "expected seq 3, found 4");
  }

  @Test
  void twoEntriesSwapped_isSeqOutOfOrder() throws IOException {
    List<String> lines = lines();
    String second = lines.get(1);
    lines.set(1, lines.get(2));
    lines.set(2, second);

    VerifyReport report = verify(lines);

    assertFailure(report, 2, "expected seq 2, found 3");
  }

  @Test
  void duplicatedEntry_isRepeatedSeq() throws IOException {
    List<String> lines = lines();
    lines.add(2, lines.get(1));

    VerifyReport report = verify(lines);

    assertFailure(report, 3, "expected seq 3, found 2");
  }

  @Test
  void truncatedLineInTheMiddle_isNotValidJson() throws IOException {
    List<String> lines = lines();
    lines.set(2, lines.get(2).substring(0, 120));

    VerifyReport report = verify(lines);

    assertFailure(report, 3, "not valid JSON (truncated or corrupted line)");
  }

  @Test
  void truncatedFinalLine_isReportedNotForgiven() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, ENTRIES);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 30));

    VerifyReport report = LedgerVerifier.verify(dataDir, KEY.verifyingKey());

    assertFailure(report, ENTRIES, "not valid JSON (truncated or corrupted line)");
  }

  @Test
  void finalLineMissingOnlyItsNewline_isReported() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, ENTRIES);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));

    VerifyReport report = LedgerVerifier.verify(dataDir, KEY.verifyingKey());

    assertFailure(report, ENTRIES, "last line has no newline (truncated write)");
  }

  @Test
  void tailReSignedByAnotherKey_isNamedWithThatKeyId() throws IOException {
    LedgerFixture.writeEntries(dataDir, 3);
    SigningKey attacker = SigningKey.generate();
    // The attacker continues the chain correctly and signs validly, but with their own key.
    try (Ledger ledger = Ledger.open(dataDir, attacker, LedgerFixture.clock(),
        LedgerOptions.defaults())) {
      ledger.append("decision", data(4)).join();
    }

    VerifyReport report = LedgerVerifier.verify(dataDir, KEY.verifyingKey());
    VerifyReport asAttacker = LedgerVerifier.verify(dataDir, attacker.verifyingKey());

    assertFailure(report, 4, "signed by another key: " + attacker.keyId());
    assertFailure(asAttacker, 1, "signed by another key: " + KEY.keyId());
  }

  @Test
  void keyIdRelabelledToOurs_isBadSignature() throws IOException {
    LedgerFixture.writeEntries(dataDir, 2);
    SigningKey attacker = SigningKey.generate();
    try (Ledger ledger = Ledger.open(dataDir, attacker, LedgerFixture.clock(),
        LedgerOptions.defaults())) {
      ledger.append("decision", data(3)).join();
    }
    List<String> lines = LedgerFixture.lines(LedgerFixture.file(dataDir));
    // Claiming our key id changes BODY, so the hash must be recomputed too; then only the
    // signature can give it away.
    lines.set(2, rehash(lines.get(2).replace(attacker.keyId(), KEY.keyId())));

    VerifyReport report = verify(lines);

    assertFailure(report, 3, "bad signature");
  }

  @Test
  void nonCanonicalLine_isRejectedEvenIfSameJson() throws IOException {
    List<String> lines = lines();
    lines.set(1, lines.get(1).replace("{\"entry\":", "{ \"entry\":"));

    VerifyReport report = verify(lines);

    assertFailure(report, 2, "not in canonical form (RFC 8785)");
  }

  @Test
  void firstEntryWithNonZeroPrev_isReported() throws IOException {
    List<String> lines = lines();
    lines.set(0, rehash(lines.get(0).replace("0".repeat(64), "1".repeat(64))));

    VerifyReport report = verify(lines);

    assertFailure(report, 1, "prev of entry 1 is not 64 zeros");
  }

  private List<String> lines() throws IOException {
    return LedgerFixture.lines(LedgerFixture.writeEntries(dataDir, ENTRIES));
  }

  private VerifyReport verify(List<String> lines) throws IOException {
    LedgerFixture.writeLines(LedgerFixture.file(dataDir), lines);
    return LedgerVerifier.verify(dataDir, KEY.verifyingKey());
  }

  private static void assertFailure(VerifyReport report, long seq, String problem) {
    assertThat(report.failure()).contains(new IntegrityFailure(seq, problem));
    assertThat(report.verified()).isEqualTo(seq - 1);
  }

  private static String flipHexAt(String line, int at) {
    char flipped = line.charAt(at) == '0' ? '1' : '0';
    return line.substring(0, at) + flipped + line.substring(at + 1);
  }

  /** Recomputes a line's hash field from its (edited) BODY, as a careful forger would. */
  private static String rehash(String line) {
    int bodyEnd = line.indexOf(",\"hash\":\"");
    String body = line.substring("{\"entry\":".length(), bodyEnd);
    String hash = HexFormat.of().formatHex(EntryFormat.sha256()
        .digest(body.getBytes(UTF_8)));
    return line.substring(0, bodyEnd + 9) + hash + line.substring(bodyEnd + 9 + 64);
  }
}
