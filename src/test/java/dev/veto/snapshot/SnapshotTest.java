package dev.veto.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import dev.veto.decision.LifecycleOptions;
import dev.veto.decision.ProjectionSnapshot;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.testing.Proposals;
import dev.veto.testing.TestClock;
import dev.veto.testing.VetoFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots end to end, on a real server and real files: a start reads the newest one that
 * fits and replays only what follows; one that is altered, sealed by another key or of
 * another ledger is skipped, and the start replays the whole ledger instead.
 */
class SnapshotTest {

  private static final int DECISIONS = 30;
  // A fixed clock: the task views compared below show the wall-clock time a task has run.
  private static final TestClock CLOCK = TestClock.at("2026-12-03T12:00:00Z");

  @TempDir
  Path data;

  @Test
  void shouldStartFromTheSnapshotWrittenAtStopAndKeepEveryAnswer() throws IOException {
    try (VetoFixture veto = VetoFixture.builder(data).clock(CLOCK).snapshotEvery(10).start()) {
      List<ObjectNode> proposals = drive(veto, "t");
      String taskBefore = veto.get("/v1/tasks/t-0").body();
      long seqAtStop = veto.ledgerSeq();

      veto.restart();

      assertThat(veto.server().resumedFromSeq()).isEqualTo(seqAtStop);
      assertThat(veto.get("/v1/tasks/t-0").body()).isEqualTo(taskBefore);
      VetoFixture.Reply retry = veto.decide(proposals.get(5));
      assertThat(retry.replayed()).isEqualTo("true");
      assertThat(veto.ledgerSeq()).as("a retry appends nothing").isEqualTo(seqAtStop);
      String firstId = veto.decide(proposals.get(0)).json().path("decision_id").asText();
      assertThat(veto.get("/v1/decisions/" + firstId).status()).isEqualTo(200);
    }

    Path json = data.resolve("snapshots/snapshot-" + lastSeqOf(data) + ".json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(json)))
        .isEqualTo("rw-------");
  }

  @Test
  void shouldNotReplayADecisionEditedInTheLedgerUnderTheSnapshot() throws IOException {
    ObjectNode retried = Proposals.of("t-9", "wire_money_somewhere");
    String decisionId;
    try (VetoFixture veto = VetoFixture.builder(data).clock(CLOCK).snapshotEvery(10).start()) {
      VetoFixture.Reply first = veto.decide(retried);
      assertThat(first.json().path("verdict").asText()).isEqualTo("require_approval");
      decisionId = first.json().path("decision_id").asText();
      drive(veto, "t");
    }
    Path ledger = data.resolve("ledger.jsonl");
    List<String> lines = Files.readAllLines(ledger, StandardCharsets.UTF_8);
    int at = indexOfDecision(lines, retried.path("idempotency_key").asText());
    // JSON white space keeps the line's length, so every offset still matches and the start
    // trusts the snapshot's prefix without reading it.
    String signed = "\"verdict\":\"require_approval\"";
    String forged = String.format("%-" + signed.length() + "s", "\"verdict\":\"allow\"");
    lines.set(at, lines.get(at).replace(signed, forged));
    Files.writeString(ledger, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);

    try (VetoFixture veto = VetoFixture.builder(data).clock(CLOCK).start()) {
      assertThat(veto.server().resumedFromSeq()).isPositive();
      VetoFixture.Reply retry = veto.decide(retried);

      assertThat(retry.status()).isEqualTo(500);
      assertThat(retry.json().path("verdict").asText()).isEqualTo("refuse");
      assertThat(retry.json().path("code").asText()).isEqualTo("ledger_corrupt");
      VetoFixture.Reply read = veto.get("/v1/decisions/" + decisionId);
      assertThat(read.status()).isEqualTo(500);
      assertThat(read.json().path("code").asText()).isEqualTo("ledger_corrupt");
    }
  }

  private static int indexOfDecision(List<String> lines, String idempotencyKey) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"idempotency_key\":\"" + idempotencyKey + "\"")) {
        return i;
      }
    }
    throw new AssertionError("no decision with idempotency key " + idempotencyKey);
  }

  @Test
  void shouldSkipAnAlteredSnapshotAndReplayTheLedger() throws IOException {
    String taskBefore = runAndStop(data);
    Path json = onlySnapshot(data);
    String text = Files.readString(json);
    // Budgets are what an attacker would lower: the file no longer matches its seal.
    Files.writeString(json, text.replaceFirst("\"calls\":\\d+", "\"calls\":0"));

    try (VetoFixture veto = VetoFixture.builder(data).clock(CLOCK).start()) {
      assertThat(veto.server().resumedFromSeq()).isZero();
      assertThat(veto.get("/v1/tasks/t-0").body()).isEqualTo(taskBefore);
    }
  }

  @Test
  void shouldSkipASnapshotSealedByAnotherKey() throws Exception {
    String taskBefore = runAndStop(data);
    SigningKey other = SigningKey.generate();
    try (Ledger ledger = Ledger.open(data, KeyFiles.loadOrCreate(data), Clock.systemUTC(),
        LedgerOptions.defaults())) {
      // A well-formed snapshot of this very ledger, but with no tasks at all in it.
      new Snapshots(data, other).write(ledger.prefixNow(),
          ProjectionSnapshot.fresh(Clock.systemUTC(), LifecycleOptions.defaults()));
    }

    try (VetoFixture veto = VetoFixture.builder(data).clock(CLOCK).start()) {
      assertThat(veto.server().resumedFromSeq()).isZero();
      assertThat(veto.get("/v1/tasks/t-0").body()).isEqualTo(taskBefore);
    }
  }

  @Test
  void shouldSkipASnapshotOfAnotherLedger(@TempDir Path other) throws IOException {
    runAndStop(data);
    copyTree(data.resolve("keys"), other.resolve("keys"));
    String otherTask;
    try (VetoFixture veto = VetoFixture.builder(other).clock(CLOCK).start()) {
      veto.decide(Proposals.of("t-0", "get_user_details"));
      otherTask = veto.get("/v1/tasks/t-0").body();
    }
    copyTree(data.resolve("snapshots"), other.resolve("snapshots"));

    try (VetoFixture veto = VetoFixture.builder(other).clock(CLOCK).start()) {
      assertThat(veto.server().resumedFromSeq()).isZero();
      assertThat(veto.get("/v1/tasks/t-0").body()).isEqualTo(otherTask);
    }
  }

  @Test
  void shouldCutATornTailAfterTheSnapshotAndStillStartFromIt() throws IOException {
    String taskBefore = runAndStop(data);
    long snapshotSeq = lastSeqOf(data);
    Files.write(data.resolve("ledger.jsonl"), "{\"entry\":{\"data\":{\"deci".getBytes(
        StandardCharsets.UTF_8), StandardOpenOption.APPEND);

    try (VetoFixture veto = VetoFixture.builder(data).clock(CLOCK).start()) {
      assertThat(veto.server().resumedFromSeq()).isEqualTo(snapshotSeq);
      assertThat(veto.get("/v1/tasks/t-0").body()).isEqualTo(taskBefore);
      assertThat(veto.decide(Proposals.of("t-0", "get_user_details")).status()).isEqualTo(200);
    }
    try (Stream<Path> files = Files.list(data)) {
      assertThat(files.anyMatch(f -> f.getFileName().toString().contains(".torn-"))).isTrue();
    }
  }

  @Test
  void shouldBringTheNewestSnapshotForwardAndKeepTheLatestTwo() throws Exception {
    runAndStop(data);
    long first = lastSeqOf(data);
    SigningKey key = KeyFiles.loadOrCreate(data);
    List<Long> written = new ArrayList<>();
    try (Ledger ledger = Ledger.open(data, key, Clock.systemUTC(), LedgerOptions.defaults());
        Snapshotter snapshotter = driven(ledger, key, first)) {
      for (int round = 0; round < 3; round++) {
        ledger.append("note", Json.MAPPER.createObjectNode().put("round", round)).join();
        snapshotter.rebuild();
        written.add(snapshotter.lastSeq());
      }
    }

    assertThat(written).containsExactly(first + 1, first + 2, first + 3);
    try (Stream<Path> files = Files.list(data.resolve("snapshots"))) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted()).containsExactly(
          "snapshot-" + (first + 2) + ".json", "snapshot-" + (first + 2) + ".sig",
          "snapshot-" + (first + 3) + ".json", "snapshot-" + (first + 3) + ".sig");
    }
    try (VetoFixture veto = VetoFixture.builder(data).clock(CLOCK).start()) {
      assertThat(veto.server().resumedFromSeq()).isEqualTo(first + 3);
    }
  }

  @Test
  void shouldKeepTheNewestVerifiedSnapshotsAndClearJunkAroundThem() throws Exception {
    runAndStop(data);
    long first = lastSeqOf(data);
    Path dir = data.resolve("snapshots");
    // Past Long.MAX_VALUE, a seal the key never made, a JSON without a seal, a torn write.
    Files.writeString(dir.resolve("snapshot-9999999999999999999.sig"), "{}");
    Files.writeString(dir.resolve("snapshot-9999999999999999999.json"), "{}");
    Files.writeString(dir.resolve("snapshot-" + (first + 50) + ".sig"), "not a seal");
    Files.writeString(dir.resolve("snapshot-" + (first + 60) + ".json"), "{}");
    Files.writeString(dir.resolve(".snapshot-" + first + ".json.123.tmp"), "{\"form");

    SigningKey key = KeyFiles.loadOrCreate(data);
    try (Ledger ledger = Ledger.open(data, key, Clock.systemUTC(), LedgerOptions.defaults());
        Snapshotter snapshotter = driven(ledger, key, first)) {
      ledger.append("note", Json.MAPPER.createObjectNode().put("round", 1)).join();
      snapshotter.rebuild();
    }

    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted()).containsExactly(
          "snapshot-" + first + ".json", "snapshot-" + first + ".sig",
          "snapshot-" + (first + 1) + ".json", "snapshot-" + (first + 1) + ".sig");
    }
  }

  @Test
  void shouldBackOffWhileSnapshotsCannotBeWrittenAndStillWriteAtStop() throws Exception {
    runAndStop(data);
    long first = lastSeqOf(data);
    Path dir = data.resolve("snapshots");
    Path aside = data.resolve("snapshots-aside");
    Files.move(dir, aside);
    Files.writeString(dir, "a file where the folder should be");

    SigningKey key = KeyFiles.loadOrCreate(data);
    try (Ledger ledger = Ledger.open(data, key, Clock.systemUTC(), LedgerOptions.defaults());
        Snapshotter slow = driven(ledger, key, first)) {
      ledger.append("note", Json.MAPPER.createObjectNode().put("round", 1)).join();

      slow.check();
      slow.check();
      assertThat(slow.backoff()).as("the second check waits").isEqualTo(Duration.ofHours(1));
      assertThat(slow.lastSeq()).isEqualTo(first);

      Files.delete(dir);
      Files.move(aside, dir);
      slow.closeWithSnapshot();
      assertThat(slow.lastSeq()).as("a stop writes what is due").isEqualTo(first + 1);
    }
  }

  /** A snapshotter due after every entry whose timer never fires: the test drives it. */
  private Snapshotter driven(Ledger ledger, SigningKey key, long lastSnapshotSeq) {
    return Snapshotter.start(ledger, new Snapshots(data, key), 1, lastSnapshotSeq,
        Duration.ofHours(1), Clock.systemUTC(), LifecycleOptions.defaults());
  }

  /** Decisions on three tasks, with outcomes, then a stop that writes a snapshot. */
  private static String runAndStop(Path data) {
    try (VetoFixture veto = VetoFixture.builder(data).clock(CLOCK).snapshotEvery(10).start()) {
      drive(veto, "t");
      return veto.get("/v1/tasks/t-0").body();
    }
  }

  private static List<ObjectNode> drive(VetoFixture veto, String taskPrefix) {
    List<ObjectNode> proposals = new ArrayList<>();
    for (int i = 0; i < DECISIONS; i++) {
      ObjectNode proposal = Proposals.of(taskPrefix + "-" + i % 3,
          i % 2 == 0 ? "get_user_details" : "enable_roaming");
      proposal.put("tokens_used", 10 + i);
      String id = veto.decide(proposal).json().path("decision_id").asText();
      if (i % 4 == 1) {
        veto.post("/v1/outcomes", "{\"decision_id\":\"" + id + "\",\"status\":\"failed\"}");
      }
      proposals.add(proposal);
    }
    return proposals;
  }

  private static Path onlySnapshot(Path data) {
    return data.resolve("snapshots/snapshot-" + lastSeqOf(data) + ".json");
  }

  private static long lastSeqOf(Path data) {
    try (Stream<Path> files = Files.list(data.resolve("snapshots"))) {
      return files.map(f -> f.getFileName().toString())
          .filter(name -> name.endsWith(".sig"))
          .mapToLong(name -> Long.parseLong(name.replaceAll("\\D", "")))
          .max().orElseThrow();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
  }
}
