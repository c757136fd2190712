package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.LifecycleOptions;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /metrics exposes the series operators build dashboards and alerts on. */
class MetricsTest {

  @TempDir
  Path data;

  @Test
  void shouldExposeTheNamedSeriesAfterTraffic() {
    LifecycleOptions d = LifecycleOptions.defaults();
    LifecycleOptions breakFast = new LifecycleOptions(d.idempotencyWindow(), d.approvalTtl(),
        d.duplicateWindow(), 1, Duration.ofMinutes(1), 1);
    try (VetoFixture veto = VetoFixture.builder(data).lifecycle(breakFast).start()) {
      ObjectNode write = Proposals.of("t-m", "enable_roaming");
      String id = veto.decide(write).json().path("decision_id").asText();
      veto.decide(write);
      veto.decide(Proposals.of("t-m2", "BankManagerTransferFunds"));
      veto.post("/v1/decide", "{");
      veto.post("/v1/outcomes", "{\"decision_id\":\"" + id + "\",\"status\":\"failed\"}");

      String metrics = awaitScrapeWith(veto, "veto_incidents_total{");

      assertThat(metrics)
          .contains("veto_decisions_total{tier=\"2\",verdict=\"allow\"} 1.0")
          .contains("veto_decisions_reasons_total{rule=\"approval.tier3\"} 1.0")
          .contains("veto_decisions_replayed_total 1.0")
          .contains("veto_decisions_in_doubt_total 1.0")
          .contains("veto_approvals_pending 1.0")
          .contains("veto_breaker_transitions_total{to=\"open\"} 1.0")
          .contains("veto_incidents_total{trigger=\"veto.breaker_open\"} 1.0")
          .contains("veto_http_errors_total{code=\"malformed_json\",status=\"400\"} 1.0")
          .contains("veto_fail_closed_total{cause=\"veto.policy_error\"}")
          .contains("veto_decide_latency_seconds_bucket");
      assertThat(helpLinesSayingSomething(metrics)).isGreaterThan(10);
      assertEveryAlertNamesARealSeries(metrics);
    }
  }

  /**
   * The ledger's series count what this process appended (every entry, in batches that were
   * fsynced), and policy reloads count the refused one.
   */
  @Test
  void shouldCountLedgerAppendsFsyncsAndPolicyReloads(@TempDir Path rules) throws Exception {
    copyShippedRules(rules);
    try (VetoFixture veto = VetoFixture.builder(data).rules(rules).start()) {
      for (int i = 0; i < 5; i++) {
        veto.decide(Proposals.of("t-l", "get_user_details"));
      }
      Files.writeString(rules.resolve("broken.drl"), "rule \"broken\" when then nonsense");
      assertThat(veto.post("/v1/policy/reload", "").status()).isEqualTo(422);

      String metrics = veto.get("/metrics").body();
      long entries = veto.ledgerSeq();
      assertThat(metrics)
          .contains("veto_ledger_appends_total " + entries + ".0")
          .contains("veto_ledger_entries " + entries + ".0")
          .contains("veto_policy_reloads_total{result=\"rejected\"} 1.0")
          .contains("veto_policy_reloads_total{result=\"activated\"} 0.0")
          .contains("veto_ledger_write_failures_total 0.0")
          .contains("veto_snapshot_seq 0.0");
      assertThat(value(metrics, "veto_ledger_batch_entries_sum")).isEqualTo(entries);
      assertThat(value(metrics, "veto_ledger_batch_entries_count"))
          .isBetween(1L, entries);
      assertThat(value(metrics, "veto_ledger_fsync_seconds_count"))
          .isEqualTo(value(metrics, "veto_ledger_batch_entries_count"));
      assertThat(metrics).as("one bucket a power of two up to the largest batch, and +Inf")
          .containsOnlyOnce("veto_ledger_batch_entries_bucket{le=\"1.0\"}")
          .contains("veto_ledger_batch_entries_bucket{le=\"65536.0\"}");
      assertThat(metrics.split("veto_ledger_batch_entries_bucket", -1)).hasSize(17 + 1 + 1);
    }
  }

  @Test
  void shouldSayWhatEverySeriesMeans() {
    try (VetoFixture veto = VetoFixture.start(data)) {
      veto.post("/v1/decide", "{not json");
      String metrics = veto.get("/metrics").body();

      assertThat(helpLinesSayingSomething(metrics)).isGreaterThan(10);
      assertThat(metrics).contains("# HELP veto_policy_reloads_total policy reloads by result");
    }
  }

  /** Fails on a veto_ series whose HELP is empty; returns how many HELP lines there are. */
  private static int helpLinesSayingSomething(String metrics) {
    java.util.regex.Matcher help = java.util.regex.Pattern
        .compile("(?m)^# HELP (veto_\\w+) ?(.*)$").matcher(metrics);
    int seen = 0;
    while (help.find()) {
      assertThat(help.group(2)).as("HELP of " + help.group(1)).isNotBlank();
      seen++;
    }
    return seen;
  }

  private static long value(String metrics, String series) {
    java.util.regex.Matcher line = java.util.regex.Pattern
        .compile("(?m)^" + series + " ([0-9.E]+)$").matcher(metrics);
    assertThat(line.find()).as(series).isTrue();
    return (long) Double.parseDouble(line.group(1));
  }

  private static void copyShippedRules(Path to) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = Files.list(VetoFixture.RULES)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
  }

  /** The incident is written after the outcome's answer: wait for it, bounded. */
  private static String awaitScrapeWith(VetoFixture veto, String series) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String metrics = veto.get("/metrics").body();
    while (!metrics.contains(series) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      metrics = veto.get("/metrics").body();
    }
    return metrics;
  }

  /** The shipped alert rules must not watch a series that does not exist. */
  private static void assertEveryAlertNamesARealSeries(String metrics) {
    String rules;
    try {
      rules = java.nio.file.Files.readString(Path.of("docker", "veto-alerts.yml"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    java.util.regex.Matcher names = java.util.regex.Pattern.compile("\\bveto_[a-z_]+")
        .matcher(rules.replaceAll("(?m)^\\s*#.*$", "").replaceAll("alert: \\w+", ""));
    int found = 0;
    while (names.find()) {
      assertThat(metrics).as("series in docker/veto-alerts.yml")
          .containsPattern("(?m)^" + names.group() + "[{ ]");
      found++;
    }
    assertThat(found).isGreaterThanOrEqualTo(6);
  }
}
