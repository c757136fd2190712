package dev.veto.ledger;

import static dev.veto.ledger.LedgerFixture.KEY;
import static dev.veto.ledger.LedgerFixture.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.SigningKey;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {

  @TempDir
  Path dataDir;

  @Test
  void appendThenReplay_roundTripsEveryEntryWithRealFsync() throws IOException {
    List<Receipt> receipts = new ArrayList<>();

    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      for (int i = 1; i <= 20; i++) {
        receipts.add(ledger.append("decision", data(i)).join());
      }
    }

    try (Ledger reopened = LedgerFixture.open(dataDir)) {
      List<LedgerEntry> entries = LedgerFixture.replay(reopened);
      assertThat(entries).hasSize(20);
      for (int i = 0; i < 20; i++) {
        LedgerEntry entry = entries.get(i);
        assertThat(entry.seq()).isEqualTo(i + 1);
        assertThat(entry.data()).isEqualTo(data(i + 1));
        assertThat(entry.kind()).isEqualTo("decision");
        assertThat(entry.time()).isEqualTo("2026-12-03T16:00:00.123Z");
        assertThat(entry.keyId()).isEqualTo(KEY.keyId());
        assertThat(entry.hash()).isEqualTo(receipts.get(i).hash());
        assertThat(entry.signature()).isEqualTo(receipts.get(i).signature());
      }
      assertThat(entries.get(0).prev()).isEqualTo("0".repeat(64));
      assertThat(entries.get(1).prev()).isEqualTo(entries.get(0).hash());
      assertThat(reopened.lastSeq()).isEqualTo(20);
      assertThat(reopened.recovery()).isEqualTo(new RecoveryReport(20, 0, null));
    }
  }

  @Test
  void receipt_verifiesWithThePublicKeyAloneAndOnlyForItsHash() throws IOException {
    Receipt receipt;

    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      receipt = ledger.append("decision", data(1)).join();
    }

    assertThat(receipt.seq()).isEqualTo(1);
    assertThat(receipt.keyId()).isEqualTo(KEY.keyId());
    assertThat(LedgerVerifier.verifyReceipt(receipt, KEY.verifyingKey())).isTrue();
    String otherHash = (receipt.hash().charAt(0) == 'f' ? "e" : "f") + receipt.hash().substring(1);
    Receipt otherHashReceipt =
        new Receipt(1, otherHash, receipt.signature(), receipt.keyId());
    assertThat(LedgerVerifier.verifyReceipt(otherHashReceipt, KEY.verifyingKey())).isFalse();
    VerifyingKey otherKey = SigningKey.generate().verifyingKey();
    assertThat(LedgerVerifier.verifyReceipt(receipt, otherKey)).isFalse();
  }

  @Test
  void emptyLedger_hasLastSeqZeroAndReplaysNothing() throws IOException {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {

      List<LedgerEntry> entries = LedgerFixture.replay(ledger);

      assertThat(entries).isEmpty();
      assertThat(ledger.lastSeq()).isZero();
      assertThat(ledger.writable()).isTrue();
    }
  }

  @Test
  void concurrentAppendsFromManyThreads_produceGapFreeChain() throws Exception {
    int threads = 8;
    int perThread = 250;
    List<CompletableFuture<Receipt>> futures = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);

    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      List<Future<List<CompletableFuture<Receipt>>>> submitted = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        submitted.add(pool.submit(() -> appendMany(ledger, perThread)));
      }
      for (var batch : submitted) {
        futures.addAll(batch.get(30, TimeUnit.SECONDS));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
    }
    pool.shutdown();

    assertThat(futures).extracting(future -> future.join().seq())
        .doesNotHaveDuplicates().hasSize(threads * perThread);
    VerifyReport report = LedgerVerifier.verify(dataDir, KEY.verifyingKey());
    assertThat(report.failure()).isEmpty();
    assertThat(report.verified()).isEqualTo(threads * perThread);
  }

  private static List<CompletableFuture<Receipt>> appendMany(Ledger ledger, int count) {
    List<CompletableFuture<Receipt>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      futures.add(ledger.append("decision", data(i)));
    }
    return futures;
  }

  @Test
  void groupCommit_oneFsyncServesEveryEntryThatWasWaiting() throws IOException {
    List<CompletableFuture<Receipt>> futures = new ArrayList<>();

    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      Appender appender = ledger.appender();
      // Holding the gate keeps the appender from starting a batch while 100 entries queue up.
      appender.batchGate().lock();
      try {
        for (int i = 0; i < 100; i++) {
          futures.add(ledger.append("decision", data(i)));
        }
      } finally {
        appender.batchGate().unlock();
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();

      assertThat(appender.fsyncs()).isEqualTo(1);
      assertThat(appender.batches()).isEqualTo(1);
      assertThat(ledger.lastSeq()).isEqualTo(100);
    }
    // A batch this large is signed on two threads: every signature must still be the right one.
    assertThat(LedgerVerifier.verify(dataDir, KEY.verifyingKey()).verified()).isEqualTo(100);
    assertThat(futures).allSatisfy(future -> assertThat(
        LedgerVerifier.verifyReceipt(future.join(), KEY.verifyingKey())).isTrue());
  }

  @Test
  void groupCommit_batchNeverExceedsMaxBatch() throws IOException {
    LedgerOptions options = new LedgerOptions(/* fsync= */ true, /* maxBatch= */ 10);
    List<CompletableFuture<Receipt>> futures = new ArrayList<>();

    try (Ledger ledger = Ledger.open(dataDir, KEY, LedgerFixture.clock(), options)) {
      ledger.appender().batchGate().lock();
      try {
        for (int i = 0; i < 100; i++) {
          futures.add(ledger.append("decision", data(i)));
        }
      } finally {
        ledger.appender().batchGate().unlock();
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();

      assertThat(ledger.appender().batches()).isEqualTo(10);
      assertThat(ledger.appender().fsyncs()).isEqualTo(10);
    }
  }

  @Test
  void fsyncOff_writesWithoutForcing() throws IOException {
    LedgerOptions options = new LedgerOptions(/* fsync= */ false, /* maxBatch= */ 64);

    try (Ledger ledger = Ledger.open(dataDir, KEY, LedgerFixture.clock(), options)) {
      ledger.append("decision", data(1)).join();

      assertThat(ledger.appender().fsyncs()).isZero();
      assertThat(ledger.appender().batches()).isEqualTo(1);
    }
  }

  @Test
  void failedWrite_putsLedgerInFailedStateAndRefusesLaterAppends() throws IOException {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      ledger.append("decision", data(1)).join();
      // Closing the channel under the appender makes the next write fail like a dead disk.
      ledger.channel().close();

      CompletableFuture<Receipt> failed = ledger.append("decision", data(2));

      assertThatThrownBy(failed::join).isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(LedgerUnavailableException.class);
      assertThat(ledger.writable()).isFalse();
      assertThat(ledger.lastSeq()).isEqualTo(1);
      assertThatThrownBy(() -> ledger.append("decision", data(3)).join())
          .hasCauseInstanceOf(LedgerUnavailableException.class)
          .hasMessageContaining("refuses until the storage takes writes again");
    }
  }

  @Test
  void appendAfterClose_failsWithLedgerUnavailable() throws IOException {
    Ledger ledger = LedgerFixture.open(dataDir);
    ledger.close();

    CompletableFuture<Receipt> future = ledger.append("decision", data(1));

    assertThatThrownBy(future::join).hasCauseInstanceOf(LedgerUnavailableException.class)
        .hasMessageContaining("closed");
    assertThat(ledger.writable()).isFalse();
  }

  @Test
  void close_drainsEveryQueuedEntryFirst() throws IOException {
    List<CompletableFuture<Receipt>> futures = new ArrayList<>();
    Ledger ledger = LedgerFixture.open(dataDir);
    ledger.appender().batchGate().lock();
    try {
      for (int i = 0; i < 50; i++) {
        futures.add(ledger.append("decision", data(i)));
      }
    } finally {
      ledger.appender().batchGate().unlock();
    }

    ledger.close();

    assertThat(futures).allMatch(future -> future.isDone() && !future.isCompletedExceptionally());
    assertThat(LedgerVerifier.verify(dataDir, KEY.verifyingKey()).verified()).isEqualTo(50);
  }

  @Test
  void closeFromAFutureCallback_stillWritesQueuedEntries() throws IOException {
    // Batches of one, so entries 2..5 are still queued when entry 1's callback closes.
    LedgerOptions options = new LedgerOptions(/* fsync= */ true, /* maxBatch= */ 1);
    Ledger ledger = Ledger.open(dataDir, KEY, LedgerFixture.clock(), options);
    List<CompletableFuture<Receipt>> futures = new ArrayList<>();
    ledger.appender().batchGate().lock();
    try {
      futures.add(ledger.append("decision", data(1)).whenComplete((r, e) -> ledger.close()));
      for (int i = 2; i <= 5; i++) {
        futures.add(ledger.append("decision", data(i)));
      }
    } finally {
      ledger.appender().batchGate().unlock();
    }

    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();

    assertThat(ledger.writable()).isFalse();
    assertThat(LedgerVerifier.verify(dataDir, KEY.verifyingKey()).verified()).isEqualTo(5);
  }

  @Test
  void secondOpenOfSameDataDir_isRefused() throws IOException {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {

      assertThatThrownBy(() -> LedgerFixture.open(dataDir))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("already open");
    }
  }

  @Test
  void append_rejectsKindThatIsNotATag() throws IOException {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {

      assertThatThrownBy(() -> ledger.append("Decision\n", data(1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> ledger.append("decision\",\"seq\":9", data(1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void append_signsTheDataAsItWasAtAppendTime() throws IOException {
    ObjectNode data = data(1);

    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      ledger.appender().batchGate().lock();
      CompletableFuture<Receipt> future;
      try {
        future = ledger.append("decision", data);
        data.put("verdict", "changed after append");
      } finally {
        ledger.appender().batchGate().unlock();
      }
      future.join();

      assertThat(LedgerFixture.replay(ledger).get(0).data()).isEqualTo(data(1));
    }
  }

  @Test
  void appendWithUnicodeAndNumbers_storesCanonicalDataThatVerifies() throws IOException {
    ObjectNode data = (ObjectNode) Json.MAPPER.readTree(
        "{\"z\":\"\u20ac\\u000f\\\"\",\"a\":[1.50,2e-3,1E30,null,true],\"m\":{\"b\":1,\"a\":2}}");

    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      ledger.append("decision", data).join();
    }

    VerifyReport report = LedgerVerifier.verify(dataDir, KEY.verifyingKey());
    assertThat(report.failure()).isEmpty();
    assertThat(report.verified()).isEqualTo(1);
  }
}
