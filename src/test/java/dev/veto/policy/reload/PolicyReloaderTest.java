package dev.veto.policy.reload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.policy.ActivePolicy;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import dev.veto.policy.Verdict;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kie.api.KieServices;

/** Hot reload on real rule files and the real Drools engine, without a server. */
class PolicyReloaderTest {

  private static final TaskUsage FRESH = new TaskUsage(0, 0, 0, 0);

  @TempDir
  Path dir;

  private RulesFolder rules;
  private ActivePolicy active;
  private PolicyReloader reloader;
  private final List<String> activated = new ArrayList<>();

  @BeforeEach
  void start() throws PolicyException {
    rules = RulesFolder.copyOfShipped(dir);
    active = new ActivePolicy(TestedPolicy.load(dir, null));
    reloader = new PolicyReloader(active, dir, null, Clock.systemUTC(), Duration.ZERO,
        (next, current, trigger) -> {
          activated.add(next.version());
          return CompletableFuture.completedFuture(null);
        });
  }

  @AfterEach
  void stop() {
    reloader.close();
    active.current().close();
  }

  @Test
  void aBrokenRuleFile_keepsTheOldPolicy_andReportsFileAndLine() throws Exception {
    String before = active.current().version();
    rules.write("broken.drl", """
        package dev.veto.rules
        import dev.veto.policy.ToolCall

        rule "broken"
        when
          ToolCall( tool == )
        then
        end
        """);

    PolicyReloader.Outcome outcome = reloader.reload("test").get();

    assertThat(outcome.activated()).isFalse();
    assertThat(active.current().version()).isEqualTo(before);
    assertThat(reloader.status().lastFailure().problems()).isNotEmpty()
        .allSatisfy(p -> assertThat(p.file() + ":" + p.line()).isEqualTo("broken.drl:6"));
    assertThat(evaluate(active.current(), "get_user_details")).isEqualTo(Verdict.ALLOW);
    assertThat(activated).isEmpty();
  }

  @Test
  void aRuleChangeWhoseTestsFail_isNotActivated() throws Exception {
    String before = active.current().version();
    // A stricter cap: the money cases that expect 10000 to pass now fail.
    rules.write("money.drl", readShipped("money.drl").replace("\"10000\"", "\"100\""));

    PolicyReloader.Outcome outcome = reloader.reload("test").get();

    assertThat(outcome.activated()).isFalse();
    assertThat(active.current().version()).isEqualTo(before);
    assertThat(outcome.failure().problems()).isNotEmpty().allSatisfy(p -> {
      assertThat(p.file()).isEqualTo("tests/money.yaml");
      assertThat(p.line()).isPositive();
      assertThat(p.message()).contains("policy test", "expected", "got");
    });
  }

  @Test
  void aGoodChange_isActivated_andAnUnchangedFolder_isNotReloaded() throws Exception {
    rules.probeTier(0);

    PolicyReloader.Outcome changed = reloader.reload("test").get();
    PolicyReloader.Outcome again = reloader.reload("test").get();

    assertThat(changed.activated()).isTrue();
    assertThat(again.activated()).isFalse();
    assertThat(again.failure()).isNull();
    assertThat(active.current().version()).isEqualTo(changed.version());
    assertThat(evaluate(active.current(), "reload_probe")).isEqualTo(Verdict.ALLOW);
    assertThat(activated).containsExactly(changed.version());
  }

  @Test
  void fiftyReloads_releaseEveryReplacedVersion() throws Exception {
    List<String> releaseIds = new ArrayList<>();
    List<WeakReference<Policy>> replaced = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Policy old = active.current();
      releaseIds.add(old.releaseIdForTests());
      replaced.add(new WeakReference<>(old));
      old = null;
      rules.probeTier(i % 2 == 0 ? 0 : 3);
      assertThat(reloader.reload("test").get().activated()).as("reload %d", i).isTrue();
    }

    var repository = KieServices.Factory.get().getRepository();
    for (String id : releaseIds) {
      String[] gav = id.split(":");
      assertThat(repository.getKieModule(KieServices.Factory.get()
          .newReleaseId(gav[0], gav[1], gav[2]))).as(id).isNull();
    }
    assertThat(collected(replaced)).as("replaced versions collected").isEqualTo(50);
  }

  /** GC until every reference is cleared, or give up after a bounded number of rounds. */
  private static int collected(List<WeakReference<Policy>> refs) throws InterruptedException {
    for (int round = 0; round < 20; round++) {
      System.gc();
      if (refs.stream().allMatch(r -> r.get() == null)) {
        break;
      }
      Thread.sleep(100);
    }
    return (int) refs.stream().filter(r -> r.get() == null).count();
  }

  private static Verdict evaluate(Policy policy, String tool) throws Exception {
    ToolCall call = ToolCall.of("t", "a", tool, null, 1L, "k", 0);
    return policy.evaluate(call, FRESH, Situation.NORMAL).verdict();
  }

  private static String readShipped(String name) throws Exception {
    return java.nio.file.Files.readString(RulesFolder.SHIPPED.resolve(name));
  }
}
