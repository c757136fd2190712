package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.crypto.SigningKey;
import dev.veto.json.Json;
import dev.veto.ledger.merkle.MerkleHash;
import dev.veto.ledger.merkle.MerkleTree;
import dev.veto.ledger.merkle.MerkleVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Merkle tree, checkpoints and key chain of a real ledger, and what verify makes of them. */
class LedgerAuditTest {

  private static final HexFormat HEX = HexFormat.of();

  @TempDir
  Path dataDir;

  @Test
  void tree_isTheRfc6962TreeOfHashAndSignature_andSurvivesReopen() throws Exception {
    byte[] root;
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      for (int i = 1; i <= 37; i++) {
        ledger.append("decision", LedgerFixture.data(i)).join();
      }
      root = ledger.rootHash(37);
      assertThat(ledger.treeSize()).isEqualTo(37);
    }

    MerkleTree reference = new MerkleTree();
    for (LedgerEntry entry : entries()) {
      byte[] input = new byte[96];
      System.arraycopy(HEX.parseHex(entry.hash()), 0, input, 0, 32);
      System.arraycopy(Base64.getDecoder().decode(entry.signature()), 0, input, 32, 64);
      reference.add(MerkleHash.leafHash(input));
    }
    assertThat(root).isEqualTo(reference.root());
    try (Ledger reopened = LedgerFixture.open(dataDir)) {
      assertThat(reopened.rootHash(37)).isEqualTo(root);
      MerkleVerifier.verifyInclusion(9, 37, reopened.leafHash(10),
          reopened.inclusionProof(10, 37), root);
    }
  }

  @Test
  void checkpoint_isASignedNoteInTheLedger_andVerifies() throws Exception {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      for (int i = 1; i <= 5; i++) {
        ledger.append("decision", LedgerFixture.data(i)).join();
      }
      Receipt receipt = ledger.checkpoint().join();
      assertThat(receipt.seq()).isEqualTo(6);
      assertThat(ledger.lastCheckpointSeq()).isEqualTo(6);

      String note = ledger.read(6).data().get("note").asText();
      String origin = Checkpoints.origin(LedgerFixture.KEY.keyId());
      assertThat(note).startsWith(origin + "\n5\n")
          .contains("\n\n\u2014 " + origin + " ");
      Checkpoints.Checkpoint parsed =
          Checkpoints.verify(note, origin, LedgerFixture.KEY.verifyingKey());
      assertThat(parsed.root()).isEqualTo(ledger.rootHash(5));
    }
    assertThat(LedgerVerifier.audit(dataDir, LedgerFixture.KEY.verifyingKey(), null, null)
        .ok()).isTrue();
  }

  @Test
  void rotation_newKeySignsAfterIt_oldKeyAfterItIsRejected() throws Exception {
    SigningKey next = SigningKey.generate();
    LedgerFixture.writeEntries(dataDir, 3);
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      assertThat(ledger.rotateTo(next.verifyingKey()).seq()).isEqualTo(4);
      assertThat(ledger.writable()).isFalse();
    }
    try (Ledger ledger = Ledger.open(dataDir, next, LedgerFixture.clock(),
        LedgerOptions.defaults())) {
      assertThat(ledger.keys().keyInForce()).isEqualTo(next.keyId());
      ledger.append("decision", LedgerFixture.data(5)).join();
      ledger.checkpoint().join();
    }

    AuditReport good =
        LedgerVerifier.audit(dataDir, LedgerFixture.KEY.verifyingKey(), null, null);
    assertThat(good.ok()).isTrue();
    assertThat(good.ledger().verified()).isEqualTo(6);
    assertThat(good.keys()).extracting(KeyChain.KeyPeriod::keyId)
        .containsExactly(LedgerFixture.KEY.keyId(), next.keyId());

    // The old key keeps signing after the rotation: a valid signature, but not in force.
    LedgerFixture.open(dataDir).close();
    try (Ledger stale = LedgerFixture.open(dataDir)) {
      stale.append("decision", LedgerFixture.data(7)).join();
    }
    AuditReport bad = LedgerVerifier.audit(dataDir, LedgerFixture.KEY.verifyingKey(), null,
        null);
    assertThat(bad.ledger().failure()).get().satisfies(failure -> {
      assertThat(failure.seq()).isEqualTo(7);
      assertThat(failure.problem()).contains("signed by another key: "
          + LedgerFixture.KEY.keyId()).contains("not in force");
    });
  }

  @Test
  void keptCheckpoint_detectsEntriesCutFromTheEnd() throws Exception {
    String note;
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      for (int i = 1; i <= 6; i++) {
        ledger.append("decision", LedgerFixture.data(i)).join();
      }
      ledger.checkpoint().join();
      note = ledger.read(7).data().get("note").asText();
    }
    Path file = LedgerFixture.file(dataDir);
    List<String> lines = LedgerFixture.lines(file);
    LedgerFixture.writeLines(file, lines.subList(0, 4));

    AuditReport report = LedgerVerifier.audit(dataDir, LedgerFixture.KEY.verifyingKey(),
        null, note);

    assertThat(report.ledger().ok()).isTrue();
    assertThat(report.checkpointProblem()).contains("removed from the end");
  }

  @Test
  void bundle_exportedRange_verifiesWithTheFirstKeyAlone() throws Exception {
    writeWithCheckpoint(8);

    byte[] bundle = BundleExporter.export(dataDir, LedgerFixture.KEY.verifyingKey(), 3, 6);
    BundleVerifier.Result result =
        BundleVerifier.verify(bundle, LedgerFixture.KEY.verifyingKey());

    assertThat(result.problem()).isNull();
    assertThat(result.checkpointSize()).isEqualTo(8);
    assertThat(BundleVerifier.verify(bundle, SigningKey.generate().verifyingKey()).problem())
        .isNotNull();
    assertThat(Json.MAPPER.readTree(bundle).get("entries")).hasSize(4);
  }

  @Test
  void signaturesCheckedInParallelBatches_stillReportTheFirstFailureInOrder() throws Exception {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      List<java.util.concurrent.CompletableFuture<Receipt>> pending = new java.util.ArrayList<>();
      for (int i = 1; i <= 5000; i++) {
        pending.add(ledger.append("decision", LedgerFixture.data(i)));
      }
      pending.forEach(java.util.concurrent.CompletableFuture::join);
    }
    Path file = LedgerFixture.file(dataDir);
    List<String> lines = LedgerFixture.lines(file);
    // Entry 3000: another valid-looking signature; entry 4500: a broken hash, found later.
    String line = lines.get(2999);
    int sigAt = line.indexOf("\"sig\":\"") + 7;
    String otherSig = Base64.getEncoder().encodeToString(new byte[64]);
    lines.set(2999, line.substring(0, sigAt) + otherSig + line.substring(sigAt + 88));
    lines.set(4499, lines.get(4499).replace("\"n\":4500", "\"n\":4501"));
    LedgerFixture.writeLines(file, lines);

    VerifyReport report = LedgerVerifier.verify(dataDir, LedgerFixture.KEY.verifyingKey());

    assertThat(report.verified()).isEqualTo(2999);
    assertThat(report.failure()).get()
        .isEqualTo(new IntegrityFailure(3000, "bad signature"));
  }

  @Test
  void checkpointer_appendsWhenTheLedgerGrew_andNotAgainWhileIdle() throws Exception {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      ledger.append("decision", LedgerFixture.data(1)).join();
      ledger.append("decision", LedgerFixture.data(2)).join();
      Checkpointer timer = Checkpointer.start(ledger, java.time.Duration.ofMillis(20));
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (ledger.lastCheckpointSeq() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(ledger.lastCheckpointSeq()).isEqualTo(3);
      Thread.sleep(200);
      assertThat(ledger.lastSeq()).as("no checkpoint of a checkpoint").isEqualTo(3);
      assertThat(ledger.read(3).data().get("size").asLong()).isEqualTo(2);
      timer.close();
    }
  }

  private void writeWithCheckpoint(int count) throws IOException {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      for (int i = 1; i <= count; i++) {
        ledger.append("decision", LedgerFixture.data(i)).join();
      }
      ledger.checkpoint().join();
    }
  }

  private List<LedgerEntry> entries() throws IOException {
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      return LedgerFixture.replay(ledger);
    }
  }

  static String text(byte[] bytes) {
    return new String(bytes, UTF_8);
  }

  static void write(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes);
  }
}
