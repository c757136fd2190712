package dev.veto.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentEvaluationTest {

  private static final int THREADS = 8;
  private static final int ROUNDS = 300;

  @TempDir
  Path dir;

  /** Eight threads on a small CI machine can stall past 50 ms; this test is about answers. */
  private Path generousDeadline() throws IOException {
    return Files.writeString(dir.resolve("ops.yaml"), "evaluation_deadline_ms: 60000\n");
  }

  @Test
  void shouldGiveTheSameAnswersFromEightThreads() throws Exception {
    List<ToolCall> calls = List.of(Proposals.call("get_user_details"),
        Proposals.callWithoutKey("modify_user_address"),
        Proposals.call("BankManagerTransferFunds", "{\"amount\": 10}"),
        Proposals.call("g\u0435t_user_details"), Proposals.call("TodoistCreateTask"));
    TaskUsage usage = new TaskUsage(10, 100, 1000, 0);

    try (Policy policy = Policy.load(Proposals.RULES, generousDeadline())) {
      List<Evaluation> expected = new ArrayList<>();
      for (ToolCall call : calls) {
        expected.add(policy.evaluate(call, usage));
      }
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      Callable<List<Evaluation>> worker = () -> {
        List<Evaluation> seen = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
          seen.add(policy.evaluate(calls.get(i % calls.size()), usage));
        }
        return seen;
      };

      List<Future<List<Evaluation>>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        results.add(pool.submit(worker));
      }

      for (Future<List<Evaluation>> result : results) {
        List<Evaluation> seen = result.get();
        for (int i = 0; i < ROUNDS; i++) {
          assertThat(seen.get(i)).isEqualTo(expected.get(i % calls.size()));
        }
      }
      pool.shutdown();
    }
  }
}
