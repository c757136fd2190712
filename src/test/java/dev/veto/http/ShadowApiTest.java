package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.policy.reload.RulesFolder;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shadow run of a stricter candidate next to the shipped rules, over real HTTP. */
class ShadowApiTest {

  @TempDir
  Path data;

  @TempDir
  Path candidateDir;

  @Test
  void aStricterCandidate_isCountedAndKept_butTheAgentGetsTheActiveAnswer() throws Exception {
    // Stricter: a cap of 100 instead of 10000. Its own tests are updated to match.
    RulesFolder candidate = RulesFolder.copyOfShipped(candidateDir);
    candidate.write("money.drl", Files.readString(RulesFolder.SHIPPED.resolve("money.drl"))
        .replace("\"10000\"", "\"100\""));
    candidate.delete("tests/money.yaml");

    try (VetoFixture veto = VetoFixture.start(data)) {
      Reply started = veto.post("/v1/policy/shadow",
          "{\"rules\": \"" + candidateDir.toString().replace("\\", "\\\\") + "\"}");
      assertThat(started.status()).as(started.body()).isEqualTo(200);
      String candidateVersion = started.json().path("candidate_version").asText();

      Reply refund = veto.decide(refund("500.00"));
      Reply read = veto.decide(Proposals.of("get_user_details"));
      JsonNode shadow = awaitObserved(veto, 2);

      assertThat(refund.json().path("verdict").asText()).isEqualTo("require_approval");
      assertThat(read.json().path("verdict").asText()).isEqualTo("allow");
      assertThat(shadow.path("candidate_version").asText()).isEqualTo(candidateVersion);
      assertThat(shadow.path("counts").path("disagreed").asLong()).isEqualTo(1);
      assertThat(shadow.path("counts").path("agreed").asLong()).isEqualTo(1);
      JsonNode kept = shadow.path("disagreements").get(0);
      assertThat(kept.path("tool").asText()).isEqualTo("refund_payment");
      assertThat(kept.path("active").path("verdict").asText()).isEqualTo("require_approval");
      assertThat(kept.path("candidate").path("verdict").asText()).isEqualTo("refuse");
      assertThat(kept.path("candidate").path("reasons").toString())
          .contains("money.amount_over_cap");
      assertThat(veto.get("/metrics").body())
          .contains("veto_shadow_evaluations_total{result=\"disagreed\"} 1.0");

      Reply stopped = veto.delete("/v1/policy/shadow");
      assertThat(stopped.json().path("counts").path("disagreed").asLong()).isEqualTo(1);
      assertThat(veto.get("/v1/policy/shadow").json().path("running").asBoolean()).isFalse();
    }
  }

  @Test
  void aCandidateThatDoesNotCompile_isRejectedWithFileAndLine() throws Exception {
    RulesFolder candidate = RulesFolder.copyOfShipped(candidateDir);
    candidate.write("broken.drl", "package dev.veto.rules\nrule \"x\" when\n  Nope( ) then end\n");

    try (VetoFixture veto = VetoFixture.start(data)) {
      Reply started = veto.post("/v1/policy/shadow",
          "{\"rules\": \"" + candidateDir + "\"}");
      Reply missing = veto.post("/v1/policy/shadow", "{}");

      assertThat(started.status()).isEqualTo(422);
      assertThat(started.json().path("message").asText()).contains("broken.drl:");
      assertThat(missing.status()).isEqualTo(400);
      assertThat(missing.json().path("field").asText()).isEqualTo("rules");
    }
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode refund(String amount) {
    var proposal = Proposals.of("refund_payment");
    proposal.putObject("args").put("order_id", "A-1").put("amount", amount);
    return proposal;
  }

  /** The shadow thread runs behind the answer; wait (bounded) until it has seen n. */
  private static JsonNode awaitObserved(VetoFixture veto, int n) throws InterruptedException {
    JsonNode status = veto.get("/v1/policy/shadow").json();
    for (int i = 0; i < 200 && observed(status) < n; i++) {
      Thread.sleep(50);
      status = veto.get("/v1/policy/shadow").json();
    }
    return status;
  }

  private static long observed(JsonNode status) {
    JsonNode counts = status.path("counts");
    return counts.path("agreed").asLong() + counts.path("disagreed").asLong()
        + counts.path("failed").asLong() + counts.path("dropped").asLong();
  }
}
