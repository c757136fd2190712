package dev.veto.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veto.crypto.SigningKey;
import dev.veto.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk or a failing fsync: the ledger refuses while the storage fails, cuts the failed
 * batch (never retries it), and takes entries again by itself once the storage recovers; the
 * file then verifies with no gap and no trace of the failed batch.
 */
class LedgerHealTest {

  private static final SigningKey KEY = SigningKey.generate();

  @TempDir
  Path dataDir;

  @ParameterizedTest
  @EnumSource(value = FaultyChannel.Fault.class, names = {"DISK_FULL", "FSYNC_FAILS"})
  void shouldRefuseWhileStorageFailsAndHealByItselfAfter(FaultyChannel.Fault fault)
      throws Exception {
    FaultyChannel[] channel = new FaultyChannel[1];
    try (Ledger ledger = Ledger.open(dataDir, KEY, LedgerFixture.clock(),
        LedgerOptions.defaults(), real -> channel[0] = new FaultyChannel(real))) {
      append(ledger, "before-1").join();
      append(ledger, "before-2").join();

      channel[0].fault(fault);
      CompletableFuture<Receipt> failed = append(ledger, "lost");
      assertThatThrownBy(failed::join).isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(LedgerUnavailableException.class);
      assertThat(ledger.writable()).isFalse();
      sleep(1500);
      assertThat(ledger.writable()).as("still failing storage").isFalse();
      assertThatThrownBy(() -> append(ledger, "refused").join())
          .hasCauseInstanceOf(LedgerUnavailableException.class);

      channel[0].fault(FaultyChannel.Fault.NONE);
      awaitWritable(ledger);
      Receipt after = append(ledger, "after").join();

      assertThat(after.seq()).isEqualTo(3);
    }

    VerifyReport report = LedgerVerifier.verify(dataDir, KEY.verifyingKey());
    assertThat(report.failure()).isEmpty();
    assertThat(report.verified()).isEqualTo(3);
    assertThat(Files.readString(dataDir.resolve(EntryFormat.FILE_NAME)))
        .contains("before-2").contains("after").doesNotContain("lost");
  }

  private static CompletableFuture<Receipt> append(Ledger ledger, String note) {
    return ledger.append("decision", Json.MAPPER.createObjectNode().put("note", note));
  }

  private static void awaitWritable(Ledger ledger) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!ledger.writable() && System.nanoTime() < deadline) {
      sleep(50);
    }
    assertThat(ledger.writable()).as("healed after the storage recovered").isTrue();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
