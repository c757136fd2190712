package dev.veto.ledger;

import static dev.veto.ledger.LedgerFixture.KEY;
import static dev.veto.ledger.LedgerFixture.data;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {

  @TempDir
  Path dataDir;

  @Test
  void openAfterPartialLastLine_cutsAndBacksUpTheTornTail() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 3);
    long intactSize = Files.size(file);
    byte[] torn = "{\"entry\":{\"data\":{\"tool\":\"sh".getBytes(UTF_8);
    Files.write(file, torn, StandardOpenOption.APPEND);

    try (Ledger ledger = LedgerFixture.open(dataDir)) {

      RecoveryReport report = ledger.recovery();
      assertThat(report.entries()).isEqualTo(3);
      assertThat(report.bytesCut()).isEqualTo(torn.length);
      assertThat(report.backup().getFileName().toString()).startsWith("ledger.jsonl.torn-");
      assertThat(Files.readAllBytes(report.backup())).isEqualTo(torn);
      assertThat(Files.size(file)).isEqualTo(intactSize);
      assertThat(ledger.lastSeq()).isEqualTo(3);
    }
  }

  @Test
  void openAfterZeroFilledTail_cutsItAndKeepsCompleteEntries() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 2);
    long intactSize = Files.size(file);
    Files.write(file, new byte[4096], StandardOpenOption.APPEND);

    try (Ledger ledger = LedgerFixture.open(dataDir)) {

      assertThat(ledger.recovery().bytesCut()).isEqualTo(4096);
      assertThat(Files.size(file)).isEqualTo(intactSize);
      assertThat(LedgerFixture.replay(ledger)).hasSize(2);
    }
  }

  @Test
  void openAfterPartialLineFollowedByZeros_cutsBoth() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 2);
    byte[] tail = new byte[300];
    byte[] start = "{\"entry\":{\"da".getBytes(UTF_8);
    System.arraycopy(start, 0, tail, 0, start.length);
    Files.write(file, tail, StandardOpenOption.APPEND);

    try (Ledger ledger = LedgerFixture.open(dataDir)) {

      assertThat(ledger.recovery().bytesCut()).isEqualTo(300);
      assertThat(ledger.lastSeq()).isEqualTo(2);
    }
  }

  @Test
  void appendAfterTornTail_keepsCompleteEntriesAndContinuesTheChain() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 3);
    byte[] lastLine = lastLineBytes(file);
    // A crash in the middle of writing entry 4: same shape, cut short.
    Files.write(file, Arrays.copyOf(lastLine, lastLine.length / 2), StandardOpenOption.APPEND);

    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      Receipt receipt = ledger.append("decision", data(4)).join();

      assertThat(receipt.seq()).isEqualTo(4);
    }

    VerifyReport report = LedgerVerifier.verify(dataDir, KEY.verifyingKey());
    assertThat(report.failure()).isEmpty();
    assertThat(report.verified()).isEqualTo(4);
  }

  @Test
  void openAfterCompleteLastEntryWithoutNewline_cutsItAsTorn() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 2);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));

    try (Ledger ledger = LedgerFixture.open(dataDir)) {

      assertThat(ledger.lastSeq()).isEqualTo(1);
      // The whole last entry goes, not just its missing newline: it was never acknowledged.
      assertThat(ledger.recovery().bytesCut()).isEqualTo(lastLineBytes(bytes).length - 1);
    }
  }

  @Test
  void openWithGarbageLineFollowedByValidEntry_failsNamingTheSeq() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 4);
    List<String> lines = LedgerFixture.lines(file);
    lines.set(1, "garbage");
    LedgerFixture.writeLines(file, lines);
    long sizeBefore = Files.size(file);

    assertThatThrownBy(() -> LedgerFixture.open(dataDir))
        .isInstanceOfSatisfying(LedgerCorruptException.class, e -> {
          assertThat(e.seq()).isEqualTo(2);
          assertThat(e.problem()).startsWith("not valid JSON")
              .contains("followed by a complete entry");
        });
    assertThat(Files.size(file)).isEqualTo(sizeBefore);
  }

  @Test
  void openWithHashMismatchInTheMiddle_failsNamingTheSeq() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 4);
    List<String> lines = LedgerFixture.lines(file);
    lines.set(2, lines.get(2).replace("\"n\":3", "\"n\":7"));
    LedgerFixture.writeLines(file, lines);

    assertThatThrownBy(() -> LedgerFixture.open(dataDir))
        .isInstanceOfSatisfying(LedgerCorruptException.class, e -> {
          assertThat(e.seq()).isEqualTo(3);
          assertThat(e.problem()).isEqualTo("hash mismatch");
          assertThat(e.getMessage()).contains("seq 3", "byte offset");
        });
  }

  @Test
  void openWithDeletedEntry_failsWithExpectedSeq() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 4);
    List<String> lines = LedgerFixture.lines(file);
    lines.remove(1);
    LedgerFixture.writeLines(file, lines);

    assertThatThrownBy(() -> LedgerFixture.open(dataDir))
        .isInstanceOfSatisfying(LedgerCorruptException.class, e -> {
          assertThat(e.seq()).isEqualTo(2);
          assertThat(e.problem()).isEqualTo("expected seq 2, found 3");
        });
  }

  @Test
  void openWithBrokenPrevLink_failsNamingTheEntry() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 3);
    List<String> lines = LedgerFixture.lines(file);
    String prev = lines.get(2).replaceAll(".*\"prev\":\"([0-9a-f]{64})\".*", "$1");
    lines.set(2, lines.get(2).replace(prev, "1".repeat(64)));
    LedgerFixture.writeLines(file, lines);

    assertThatThrownBy(() -> LedgerFixture.open(dataDir))
        .isInstanceOfSatisfying(LedgerCorruptException.class, e -> {
          assertThat(e.seq()).isEqualTo(3);
          assertThat(e.problem()).isEqualTo("prev does not match hash of entry 2");
        });
  }

  @Test
  void openWithBadLastCompleteLine_isCorruptionNotATornTail() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 3);
    List<String> lines = LedgerFixture.lines(file);
    lines.set(2, lines.get(2).replace("\"n\":3", "\"n\":4"));
    LedgerFixture.writeLines(file, lines);

    assertThatThrownBy(() -> LedgerFixture.open(dataDir))
        .isInstanceOfSatisfying(LedgerCorruptException.class,
            e -> assertThat(e.problem()).isEqualTo("hash mismatch"));
  }

  @Test
  void twoRecoveriesInOneMillisecond_keepBothBackups() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 1);
    Files.write(file, new byte[] {'{'}, StandardOpenOption.APPEND);
    LedgerFixture.open(dataDir).close();
    Files.write(file, new byte[] {'{', '"'}, StandardOpenOption.APPEND);

    try (Ledger ledger = LedgerFixture.open(dataDir)) {

      assertThat(ledger.recovery().backup().getFileName().toString()).endsWith("-1");
      assertThat(Files.readAllBytes(ledger.recovery().backup())).containsExactly('{', '"');
    }
  }

  private static byte[] lastLineBytes(Path file) throws IOException {
    return lastLineBytes(Files.readAllBytes(file));
  }

  /** The last line with its newline, or the unterminated tail. */
  private static byte[] lastLineBytes(byte[] bytes) {
    int end = bytes[bytes.length - 1] == '\n' ? bytes.length - 1 : bytes.length;
    int start = end;
    while (start > 0 && bytes[start - 1] != '\n') {
      start--;
    }
    return Arrays.copyOfRange(bytes, start, bytes.length);
  }
}
