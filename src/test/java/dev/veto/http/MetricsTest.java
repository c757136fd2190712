package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.LifecycleOptions;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
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
      assertEveryAlertNamesARealSeries(metrics);
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
