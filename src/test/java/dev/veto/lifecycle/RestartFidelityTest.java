package dev.veto.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.decision.LifecycleOptions;
import dev.veto.decision.ProjectionSnapshot;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerOptions;
import dev.veto.testing.Proposals;
import dev.veto.testing.TestClock;
import dev.veto.testing.VetoFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * After a stop and a start, every task, approval, queued action, breaker, mode and incident
 * is exactly where it was: a seeded mix of everything an agent, an approver and an operator
 * do, then every view compared before and after.
 */
class RestartFidelityTest {

  private static final String[] TOOLS = {"get_user_details", "enable_roaming",
      "transfer_to_human_agents", "BankManagerTransferFunds", "frobnicate"};

  @TempDir
  Path data;

  private final TestClock clock = TestClock.at("2026-12-03T12:00:00Z");

  /**
   * snapshotEvery 0: the start replays the whole ledger. 25: the stop writes a snapshot
   * (the ledger grew by more than that) and the start reads it instead of the entries.
   */
  @ParameterizedTest(name = "snapshot every {0} entries")
  @ValueSource(longs = {0, 25})
  void shouldRebuildEveryViewExactlyFromTheLedger(long snapshotEvery)
      throws InterruptedException {
    try (VetoFixture veto = VetoFixture.builder(data).clock(clock).lifecycle(options())
        .snapshotEvery(snapshotEvery).start()) {
      List<String> tasks = drive(veto, new Random(20261203));
      awaitQuietLedger(veto);
      String before = snapshot(veto, tasks);

      veto.restart();

      assertThat(veto.server().snapshotSeq() > 0).isEqualTo(snapshotEvery > 0);
      String after = snapshot(veto, tasks);
      if (!after.equals(before)) {
        dump(before, after);
      }
      assertThat(after).isEqualTo(before);
    }
  }

  /**
   * The snapshot codec at every point of the same ledger: projections saved after entry k,
   * read back and brought forward with the rest, are byte for byte those of a replay of all.
   */
  @Test
  void shouldRestoreTheSameProjectionsFromASnapshotTakenAfterAnyEntry() throws Exception {
    try (VetoFixture veto = VetoFixture.builder(data).clock(clock).lifecycle(options())
        .start()) {
      drive(veto, new Random(7));
      awaitQuietLedger(veto);
    }
    List<LedgerEntry> entries = new ArrayList<>();
    try (Ledger ledger = Ledger.open(data, KeyFiles.loadOrCreate(data), clock,
        LedgerOptions.defaults())) {
      ledger.replay(entries::add);
    }
    byte[] whole = saved(forward(fresh(), entries, 0, entries.size()));

    StringBuilder everySnapshot = new StringBuilder();
    for (int k = 1; k < entries.size(); k++) {
      byte[] snapshot = saved(forward(fresh(), entries, 0, k));
      everySnapshot.append(new String(snapshot, UTF_8));
      ProjectionSnapshot restored = fresh();
      restored.read(parser(snapshot));
      byte[] resumed = saved(forward(restored, entries, k, entries.size()));
      assertThat(Arrays.equals(resumed, whole)).as("snapshot after entry %d, then the rest", k)
          .isTrue();
    }
    // The snapshots passed through every kind of state the codec has to carry.
    for (String state : List.of("\"approvals\":[{", "\"incidents\":[{", "\"modes\":[{",
        "\"breaker\":\"OPEN\"", "\"halt\":{", "\"status\":\"APPROVED\"",
        "\"failuresByStep\":{\"", "\"SUCCEEDED\"", "\"UNKNOWN\"")) {
      assertThat(everySnapshot.indexOf(state)).as("a snapshot holds %s", state).isNotNegative();
    }
  }

  private ProjectionSnapshot fresh() {
    return ProjectionSnapshot.fresh(clock, options());
  }

  private static ProjectionSnapshot forward(ProjectionSnapshot projections,
      List<LedgerEntry> entries, int from, int to) {
    entries.subList(from, to).forEach(projections::apply);
    return projections;
  }

  private static byte[] saved(ProjectionSnapshot projections) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator generator = Json.MAPPER.createGenerator(out)) {
      projections.write(generator);
    }
    return out.toByteArray();
  }

  private static JsonParser parser(byte[] saved) throws IOException {
    return Json.MAPPER.createParser(saved);
  }

  private static LifecycleOptions options() {
    LifecycleOptions d = LifecycleOptions.defaults();
    return new LifecycleOptions(d.idempotencyWindow(), d.approvalTtl(), d.duplicateWindow(), 2,
        Duration.ofSeconds(30), 1);
  }

  /** Incidents land just after the entry that tripped: let the last ones in. */
  private static void awaitQuietLedger(VetoFixture veto) throws InterruptedException {
    long seq = -1;
    while (seq != veto.ledgerSeq()) {
      seq = veto.ledgerSeq();
      Thread.sleep(200);
    }
  }

  /** A seeded mix of proposals, outcomes, settlements, halts, resets and modes. */
  private List<String> drive(VetoFixture veto, Random random) {
    List<String> tasks = List.of("t-a", "t-b", "t-c", "t-d");
    List<JsonNode> decisions = new ArrayList<>();
    veto.post("/v1/modes", "{\"scope\":\"task\",\"id\":\"t-d\",\"mode\":\"queue\"}");
    veto.post("/v1/modes", "{\"scope\":\"agent\",\"id\":\"agent-test\",\"mode\":\"confirm\"}");
    for (int i = 0; i < 120; i++) {
      int action = random.nextInt(10);
      String task = tasks.get(random.nextInt(tasks.size()));
      if (action < 6 || decisions.isEmpty()) {
        JsonNode decision = propose(veto, random, task, i);
        if (decision.path("verdict").asText().equals("allow")) {
          decisions.add(decision);
        }
      } else if (action < 8) {
        report(veto, decisions.get(random.nextInt(decisions.size())), random);
      } else if (action == 8) {
        settleSomething(veto, random);
      } else {
        control(veto, random, task);
      }
      clock.advance(Duration.ofSeconds(random.nextInt(20)));
    }
    return tasks;
  }

  private JsonNode propose(VetoFixture veto, Random random, String task, int i) {
    ObjectNode proposal = Proposals.of(task, TOOLS[random.nextInt(TOOLS.length)]);
    proposal.put("step", random.nextInt(3));
    proposal.put("tokens_used", random.nextInt(500));
    proposal.put("idempotency_key", "k-" + random.nextInt(40));
    ObjectNode args = proposal.putObject("args").put("n", i % 7);
    if (proposal.path("tool").asText().startsWith("Bank")) {
      args.put("amount", random.nextInt(3) * 50);
    }
    return veto.decide(proposal).json();
  }

  private void report(VetoFixture veto, JsonNode decision, Random random) {
    String[] statuses = {"succeeded", "failed", "failed", "unknown"};
    veto.post("/v1/outcomes", "{\"decision_id\":\"" + decision.path("decision_id").asText()
        + "\",\"status\":\"" + statuses[random.nextInt(statuses.length)]
        + "\",\"tokens_used\":" + random.nextInt(100) + "}");
  }

  private void settleSomething(VetoFixture veto, Random random) {
    JsonNode pending = veto.get("/v1/approvals?status=pending").json().path("items");
    if (!pending.isEmpty()) {
      String id = pending.get(random.nextInt(pending.size())).path("id").asText();
      veto.post("/v1/approvals/" + id, "{\"decision\":\""
          + (random.nextBoolean() ? "approve" : "deny") + "\"}");
    }
    JsonNode queued = veto.get("/v1/queue?status=queued").json().path("items");
    if (!queued.isEmpty()) {
      String id = queued.get(0).path("id").asText();
      veto.post("/v1/queue/" + id, "{\"action\":\""
          + (random.nextBoolean() ? "release" : "drop") + "\"}");
    }
  }

  private void control(VetoFixture veto, Random random, String task) {
    switch (random.nextInt(3)) {
      case 0 -> veto.post("/v1/tasks/" + task + "/halt", "{\"reason\":\"drill\"}");
      case 1 -> veto.post("/v1/tasks/" + task + "/reset", "");
      default -> veto.post("/v1/modes", "{\"scope\":\"global\",\"mode\":\""
          + (random.nextBoolean() ? "cheaper_model" : "normal") + "\"}");
    }
  }

  private String snapshot(VetoFixture veto, List<String> tasks) {
    ObjectNode all = Json.MAPPER.createObjectNode();
    for (String task : tasks) {
      all.set(task, veto.get("/v1/tasks/" + task).json());
    }
    all.set("approvals", veto.get("/v1/approvals").json());
    all.set("queue", veto.get("/v1/queue").json());
    all.set("modes", sortedModes(veto.get("/v1/modes").json()));
    all.set("incidents", veto.get("/v1/incidents").json());
    assertThat(all.path("approvals").path("items").size()).isPositive();
    assertThat(all.path("incidents").path("items").size()).isPositive();
    // Canonical form: the order of an object's members is not part of the state.
    return new String(Json.canonical(all), java.nio.charset.StandardCharsets.UTF_8)
        .replace("},{", "},\n{");
  }

  /** Leaves both views beside the test reports, to diff by hand. */
  private static void dump(String before, String after) {
    try {
      java.nio.file.Files.writeString(Path.of("target/restart-before.json"), before);
      java.nio.file.Files.writeString(Path.of("target/restart-after.json"), after);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode sortedModes(JsonNode modes) {
    List<JsonNode> items = new ArrayList<>();
    modes.path("items").forEach(items::add);
    items.sort((a, b) -> a.toString().compareTo(b.toString()));
    return Json.MAPPER.valueToTree(items);
  }
}
