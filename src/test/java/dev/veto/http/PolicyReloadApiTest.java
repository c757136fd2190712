package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerReader;
import dev.veto.policy.reload.RulesFolder;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload over real HTTP: steady traffic, broken files, failing tests, the watcher. */
class PolicyReloadApiTest {

  @TempDir
  Path data;

  @TempDir
  Path rulesDir;

  private RulesFolder rules;
  private VetoFixture veto;

  @BeforeEach
  void start() {
    rules = RulesFolder.copyOfShipped(rulesDir);
    rules.probeTier(0);
    veto = VetoFixture.start(data, rulesDir, null);
  }

  @AfterEach
  void stop() {
    veto.close();
  }

  @Test
  void reloadsWhileRequestsFlow_neverFailARequest_norMixVersions() throws Exception {
    // The probe tool is allowed under the tier-0 version and needs approval under tier 3,
    // so each answer shows which version evaluated it. The deadline is raised from 50 ms: on
    // this 2-core machine, four closed-loop agents plus a compile plus its garbage can push a
    // single evaluation past 50 ms, which is a recorded refusal (fail closed), not a failure
    // of the swap that this test is about.
    rules.probeTier(0, 1000);
    assertThat(veto.post("/v1/policy/reload", "").status()).isEqualTo(200);
    Map<String, String> verdictOfVersion = new HashMap<>();
    verdictOfVersion.put(version(), "allow");
    AtomicBoolean running = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
    ExecutorService agents = Executors.newFixedThreadPool(4);
    List<Future<?>> loops = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      loops.add(agents.submit(() -> {
        while (running.get()) {
          replies.add(veto.decide(Proposals.of("reload_probe")));
        }
      }));
    }

    for (int i = 1; i <= 6; i++) {
      int tier = i % 2 == 1 ? 3 : 0;
      rules.probeTier(tier, 1000);
      Reply reload = veto.post("/v1/policy/reload", "");
      assertThat(reload.status()).as(reload.body()).isEqualTo(200);
      verdictOfVersion.put(reload.json().path("version").asText(),
          tier == 3 ? "require_approval" : "allow");
    }
    running.set(false);
    for (Future<?> loop : loops) {
      loop.get(30, TimeUnit.SECONDS);
    }
    agents.shutdown();

    assertThat(verdictOfVersion).hasSize(2);
    assertThat(replies).isNotEmpty().allSatisfy(reply -> {
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      JsonNode body = reply.json();
      String version = body.path("policy_version").asText();
      assertThat(verdictOfVersion).containsKey(version);
      assertThat(body.path("verdict").asText()).isEqualTo(verdictOfVersion.get(version));
    });
    Set<String> answeredBy = new HashSet<>();
    replies.forEach(r -> answeredBy.add(r.json().path("policy_version").asText()));
    assertThat(answeredBy).hasSize(2);
  }

  @Test
  void aBrokenRuleFile_keepsTheOldPolicyServing_andGetPolicyNamesFileAndLine() {
    String before = version();
    rules.write("broken.drl", """
        package dev.veto.rules
        import dev.veto.policy.ToolCall
        rule "broken"
        when
          ToolCall( tool == )
        then
        end
        """);

    Reply reload = veto.post("/v1/policy/reload", "");
    JsonNode status = veto.get("/v1/policy").json();
    Reply decision = veto.decide(Proposals.of("get_user_details"));

    assertThat(reload.status()).isEqualTo(422);
    assertThat(reload.json().path("code").asText()).isEqualTo("policy_rejected");
    assertThat(reload.json().path("message").asText()).contains("broken.drl:5");
    assertThat(status.path("version").asText()).isEqualTo(before);
    JsonNode problem = status.path("last_failure").path("problems").get(0);
    assertThat(problem.path("file").asText()).isEqualTo("broken.drl");
    assertThat(problem.path("line").asInt()).isEqualTo(5);
    assertThat(decision.json().path("policy_version").asText()).isEqualTo(before);
    assertThat(decision.json().path("verdict").asText()).isEqualTo("allow");
  }

  @Test
  void aRuleChangeWhoseTestsFail_isNotActivated() throws Exception {
    String before = version();
    String money = java.nio.file.Files.readString(RulesFolder.SHIPPED.resolve("money.drl"));
    rules.write("money.drl", money.replace("\"10000\"", "\"100\""));

    Reply reload = veto.post("/v1/policy/reload", "");

    assertThat(reload.status()).isEqualTo(422);
    assertThat(reload.json().path("message").asText()).contains("tests/money.yaml:");
    assertThat(version()).isEqualTo(before);
  }

  @Test
  void everyLoad_isALedgerEntry_andGetPolicyShowsTheVersion() throws Exception {
    String first = version();
    rules.probeTier(3);
    String second = veto.post("/v1/policy/reload", "").json().path("version").asText();
    JsonNode status = veto.get("/v1/policy").json();
    long decidedAt = veto.decide(Proposals.of("reload_probe")).json()
        .path("receipt").path("seq").asLong();
    veto.close();

    List<LedgerEntry> loads = new ArrayList<>();
    LedgerReader.read(data, e -> {
      if (e.kind().equals("policy_loaded")) {
        loads.add(e);
      }
    });
    assertThat(loads.get(1).seq()).as("recorded before it serves").isLessThan(decidedAt);
    assertThat(loads).extracting(e -> e.data().path("version").asText())
        .containsExactly(first, second);
    assertThat(loads.get(1).data().path("previous_version").asText()).isEqualTo(first);
    assertThat(loads.get(1).data().path("rule_count").asInt()).isPositive();
    assertThat(loads.get(1).data().path("files").toString()).contains("money.drl", "veto.yaml");
    assertThat(status.path("version").asText()).isEqualTo(second);
    assertThat(status.path("rules").toString()).contains("approval.tier3");
    assertThat(status.path("loaded_at").asText()).isNotBlank();
    veto = VetoFixture.start(data, rulesDir, null);
  }

  @Test
  void theWatcher_picksUpAChangedFile() throws Exception {
    String before = version();
    rules.probeTier(3);

    String now = before;
    for (int i = 0; i < 300 && now.equals(before); i++) {
      Thread.sleep(100);
      now = version();
    }

    assertThat(now).isNotEqualTo(before);
    assertThat(veto.decide(Proposals.of("reload_probe")).json().path("verdict").asText())
        .isEqualTo("require_approval");
  }

  private String version() {
    return veto.get("/v1/policy").json().path("version").asText();
  }
}
