package dev.veto.policy.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.veto.json.Json;
import dev.veto.policy.Policy;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/** Rough ns per evaluation of the default policy; run by hand, not by surefire. */
public final class PolicyBench {

  public static void main(String[] args) throws Exception {
    quietDrools();
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

  /**
   * Without a logback config everything logs at DEBUG, and the agenda logs each state change:
   * six console lines per evaluation, which then dominate the time (and serialise threads).
   */
  private static void quietDrools() {
    ((Logger) LoggerFactory.getLogger("org.drools")).setLevel(Level.WARN);
    ((Logger) LoggerFactory.getLogger("org.kie")).setLevel(Level.WARN);
  }
}
