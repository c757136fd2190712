package dev.veto.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.policy.Evaluation;
import dev.veto.policy.Policy;
import dev.veto.policy.Reason;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import dev.veto.policy.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shadow runner's bounds and its promise never to throw into the decision path. */
class ShadowRunnerTest {

  private static final TaskUsage FRESH = new TaskUsage(0, 0, 0, 0);
  private static final Evaluation NOT_THE_RULES_ANSWER =
      new Evaluation(Verdict.REFUSE, 0, List.of(new Reason("made.up", "disagrees")));

  @Test
  void keepsOnlyTheLastDisagreements_andCountsEveryOne() throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    try (ShadowRunner runner = new ShadowRunner(metrics, Clock.systemUTC(), 5, 1024)) {
      runner.start(Policy.load(Path.of("rules"), null), "rules");
      for (int i = 0; i < 20; i++) {
        String task = "task-" + i;
        runner.observe("v-active", () -> ToolCall.of(task, "a", "get_user_details", null, 1L,
            "k", 0), FRESH, Situation.NORMAL, NOT_THE_RULES_ANSWER);
      }
      ShadowRunner.Status status = awaitObserved(runner, 20);

      assertThat(status.disagreed()).isEqualTo(20);
      assertThat(status.disagreements()).hasSize(5)
          .extracting(ShadowRunner.Disagreement::taskId)
          .containsExactly("task-15", "task-16", "task-17", "task-18", "task-19");
      assertThat(metrics.counter("veto.shadow.evaluations", "result", "disagreed").count())
          .isEqualTo(20);
    }
  }

  @Test
  void aCallThatCannotBeBuilt_isCountedAsFailed_andNeverThrows() throws Exception {
    try (ShadowRunner runner = new ShadowRunner(new SimpleMeterRegistry(), Clock.systemUTC())) {
      runner.start(Policy.load(Path.of("rules"), null), "rules");

      runner.observe("v", () -> {
        throw new IllegalStateException("boom");
      }, FRESH, Situation.NORMAL, NOT_THE_RULES_ANSWER);

      assertThat(awaitObserved(runner, 1).failed()).isEqualTo(1);
    }
  }

  @Test
  void withoutACandidate_observeDoesNothing() {
    try (ShadowRunner runner = new ShadowRunner(new SimpleMeterRegistry(), Clock.systemUTC())) {
      runner.observe("v", () -> null, FRESH, Situation.NORMAL, NOT_THE_RULES_ANSWER);

      assertThat(runner.status().candidateVersion()).isNull();
      assertThat(runner.stop().agreed()).isZero();
    }
  }

  private static ShadowRunner.Status awaitObserved(ShadowRunner runner, long n)
      throws InterruptedException {
    ShadowRunner.Status status = runner.status();
    for (int i = 0; i < 400 && seen(status) < n; i++) {
      Thread.sleep(25);
      status = runner.status();
    }
    return status;
  }

  private static long seen(ShadowRunner.Status s) {
    return s.agreed() + s.disagreed() + s.failed() + s.dropped();
  }
}
