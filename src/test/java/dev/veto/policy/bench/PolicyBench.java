package dev.veto.policy.bench;

import dev.veto.json.Json;
import dev.veto.policy.Policy;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import java.nio.file.Path;

/** Rough ns per evaluation of the default policy; run by hand, not by surefire. */
public final class PolicyBench {

  public static void main(String[] args) throws Exception {
    try (Policy policy = Policy.load(Path.of("rules"), null)) {
      ToolCall read = ToolCall.of("t", "a", "get_user_details",
          Json.MAPPER.readTree("{\"user_id\":\"u1\"}"), 1L, "k", 10);
      ToolCall risky = ToolCall.of("t", "a", "BankManagerTransferFunds",
          Json.MAPPER.readTree("{\"amount\":10}"), 1L, "k", 10);
      TaskUsage usage = new TaskUsage(3, 1000, 5000, 0);

      for (int round = 0; round < 5; round++) {
        long n = 50_000;
        long start = System.nanoTime();
        for (long i = 0; i < n; i++) {
          policy.evaluate(i % 2 == 0 ? read : risky, usage);
        }
        System.out.printf("round %d: %d ns/op%n", round, (System.nanoTime() - start) / n);
      }
    }
  }
}
