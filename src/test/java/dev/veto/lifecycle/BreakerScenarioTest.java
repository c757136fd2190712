package dev.veto.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.LifecycleOptions;
import dev.veto.testing.Proposals;
import dev.veto.testing.TestClock;
import dev.veto.testing.VetoFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Breakers, incidents and an operator's halt and reset, over HTTP. */
class BreakerScenarioTest {

  @TempDir
  Path data;

  private final TestClock clock = TestClock.at("2026-12-03T12:00:00Z");
  private VetoFixture veto;

  @AfterEach
  void stop() {
    if (veto != null) {
      veto.close();
    }
  }

  private void start(LifecycleOptions options) {
    veto = VetoFixture.builder(data).clock(clock).lifecycle(options).start();
  }

  private static LifecycleOptions breakerAfter(int failures) {
    LifecycleOptions d = LifecycleOptions.defaults();
    return new LifecycleOptions(d.idempotencyWindow(), d.approvalTtl(), d.duplicateWindow(),
        failures, Duration.ofSeconds(30), 1);
  }

  private JsonNode call(String taskId, int step) {
    ObjectNode proposal = Proposals.of(taskId, "enable_roaming");
    proposal.put("step", step);
    proposal.putObject("args").put("customer_id", "C" + step);
    return veto.decide(proposal).json();
  }

  private void report(JsonNode decision, String status) {
    veto.post("/v1/outcomes", "{\"decision_id\":\"" + decision.path("decision_id").asText()
        + "\",\"status\":\"" + status + "\"}");
  }

  /**
   * The task's incidents once there are at least this many: an incident is written just
   * after the entry that tripped, so it may land a moment after that entry's answer.
   */
  private JsonNode incidents(String taskId, int atLeast) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonNode items = veto.get("/v1/incidents?task_id=" + taskId).json().path("items");
    while (items.size() < atLeast && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      items = veto.get("/v1/incidents?task_id=" + taskId).json().path("items");
    }
    return items;
  }

  private static String firstRule(JsonNode decision) {
    return decision.path("reasons").get(0).path("rule").asText();
  }

  @Test
  void shouldOpenTheBreakerWriteAnIncidentAndRecoverThroughAHalfOpenTrial() {
    start(breakerAfter(3));
    for (int step = 1; step <= 3; step++) {
      JsonNode allowed = call("t-flaky", step);
      assertThat(allowed.path("verdict").asText()).isEqualTo("allow");
      report(allowed, "failed");
    }

    JsonNode refused = call("t-flaky", 4);
    assertThat(refused.path("verdict").asText()).isEqualTo("refuse");
    assertThat(firstRule(refused)).isEqualTo("veto.breaker_open");
    JsonNode task = veto.get("/v1/tasks/t-flaky").json();
    assertThat(task.path("breaker").path("state").asText()).isEqualTo("open");

    JsonNode incidents = incidents("t-flaky", 1);
    assertThat(incidents).hasSize(1);
    JsonNode incident = incidents.get(0);
    assertThat(incident.path("trigger").asText()).isEqualTo("veto.breaker_open");
    assertThat(incident.path("limit").asLong()).isEqualTo(3);
    assertThat(incident.path("value").asLong()).isEqualTo(3);
    assertThat(incident.path("policy_version").asText()).startsWith("sha256:");
    // Entry 1 is the start's policy_loaded; the task's first decision is entry 2.
    assertThat(incident.path("entries").path("from").asLong()).isEqualTo(2);
    assertThat(incident.path("entries").path("to").asLong())
        .isGreaterThan(incident.path("entries").path("from").asLong());
    String incidentId = incident.path("incident_id").asText();
    assertThat(veto.get("/v1/incidents/" + incidentId).json().path("task_id").asText())
        .isEqualTo("t-flaky");

    clock.advance(Duration.ofSeconds(31));
    JsonNode trial = call("t-flaky", 5);
    assertThat(trial.path("verdict").asText()).isEqualTo("allow");
    assertThat(firstRule(call("t-flaky", 6))).isEqualTo("veto.breaker_half_open");
    report(trial, "succeeded");

    assertThat(call("t-flaky", 7).path("verdict").asText()).isEqualTo("allow");
    assertThat(veto.get("/v1/tasks/t-flaky").json().path("breaker").path("state").asText())
        .isEqualTo("closed");
  }

  @Test
  void shouldNotLetAnUnknownOutcomeHideAStreakOfFailures() {
    start(breakerAfter(2));
    report(call("t-streak", 1), "failed");
    report(call("t-streak", 2), "unknown");
    report(call("t-streak", 3), "failed");

    assertThat(firstRule(call("t-streak", 4))).isEqualTo("veto.breaker_open");
  }

  @Test
  void shouldReopenWhenTheTrialFailsAndKeepTheStateAcrossARestart() {
    start(breakerAfter(2));
    report(call("t-bad", 1), "failed");
    report(call("t-bad", 2), "failed");
    clock.advance(Duration.ofSeconds(31));
    report(call("t-bad", 3), "failed");

    veto.restart();

    JsonNode task = veto.get("/v1/tasks/t-bad").json();
    assertThat(task.path("breaker").path("state").asText()).isEqualTo("open");
    assertThat(firstRule(call("t-bad", 4))).isEqualTo("veto.breaker_open");
    assertThat(incidents("t-bad", 2)).hasSize(2);
  }

  @Test
  void shouldRefuseEverythingOfAHaltedTaskUntilReset() {
    start(LifecycleOptions.defaults());
    call("t-halt", 1);

    JsonNode halted = veto.post("/v1/tasks/t-halt/halt", "{\"reason\":\"runaway loop\"}")
        .json();
    assertThat(halted.path("halted").path("reason").asText()).isEqualTo("runaway loop");
    JsonNode refused = call("t-halt", 2);
    assertThat(firstRule(refused)).isEqualTo("veto.task_halted");
    assertThat(refused.path("reasons").get(0).path("message").asText())
        .contains("runaway loop");

    veto.restart();
    assertThat(firstRule(call("t-halt", 3))).isEqualTo("veto.task_halted");

    JsonNode reset = veto.post("/v1/tasks/t-halt/reset", "").json();
    assertThat(reset.path("halted").isNull()).isTrue();
    assertThat(reset.path("budgets").path("used").path("tool_calls").asLong()).isZero();
    assertThat(call("t-halt", 4).path("verdict").asText()).isEqualTo("allow");
  }

  @Test
  void shouldAnswer404ForATaskNoProposalNamed_andCreateNothing() {
    start(LifecycleOptions.defaults());
    long before = veto.ledgerSeq();

    assertThat(veto.get("/v1/tasks/typo").status()).isEqualTo(404);
    assertThat(veto.post("/v1/tasks/typo/halt", "{\"reason\":\"x\"}").status())
        .isEqualTo(404);
    assertThat(veto.post("/v1/tasks/typo/reset", "").json().path("field").asText())
        .isEqualTo("task_id");
    assertThat(veto.ledgerSeq()).isEqualTo(before);
  }

  @Test
  void shouldWriteOneIncidentWhenABudgetTrips() throws Exception {
    Path config = data.resolveSibling(data.getFileName() + "-veto.yaml");
    Files.writeString(config, "budgets:\n  max_tool_calls: 2\n");
    veto = VetoFixture.builder(data).clock(clock).config(config).start();
    call("t-budget", 1);
    call("t-budget", 2);

    JsonNode refused = call("t-budget", 3);
    call("t-budget", 4);

    assertThat(firstRule(refused)).isEqualTo("budget.tool_calls");
    JsonNode incidents = incidents("t-budget", 1);
    assertThat(incidents).hasSize(1);
    assertThat(incidents.get(0).path("trigger").asText()).isEqualTo("budget.tool_calls");
    assertThat(incidents.get(0).path("limit").asLong()).isEqualTo(2);
    assertThat(incidents.get(0).path("value").asLong()).isEqualTo(2);
  }
}
