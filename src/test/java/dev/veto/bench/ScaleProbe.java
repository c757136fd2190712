package dev.veto.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import dev.veto.decision.DecisionMetrics;
import dev.veto.decision.DecisionService;
import dev.veto.decision.LifecycleOptions;
import dev.veto.decision.Proposal;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.policy.ActivePolicy;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyTimeoutException;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import dev.veto.server.ServerConfig;
import dev.veto.server.VetoServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * How Veto's costs move as the work grows, in process: evaluation latency against the number
 * of rules, latency and memory against the number of live tasks, and start-up time against
 * the size of the ledger. Prints one line a measurement; bench/scale.sh runs it.
 *
 * <p>Usage: {@code ScaleProbe rules N...}, {@code ScaleProbe tasks N...},
 * {@code ScaleProbe fill DIR N} (a ledger of N decisions in DIR), {@code ScaleProbe open DIR}
 * (one start on DIR, timed; bench/scale.sh runs it in a fresh JVM)
 */
public final class ScaleProbe {

  private ScaleProbe() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "rules" -> rules(sizes(args));
      case "tasks" -> tasks(sizes(args));
      case "fill" -> fill(Path.of(args[1]), Long.parseLong(args[2]));
      case "open" -> open(Path.of(args[1]));
      default -> throw new IllegalArgumentException("rules, tasks, fill or open");
    }
  }

  private static long[] sizes(String[] args) {
    return Stream.of(args).skip(1).mapToLong(Long::parseLong).toArray();
  }

  /**
   * The shipped rules plus N generated ones: half keyed on a tool name (the common shape,
   * which Drools indexes), half a threshold on the task's usage (evaluated for every call).
   */
  private static void rules(long[] counts) throws Exception {
    for (long count : counts) {
      Path dir = Files.createTempDirectory("veto-rules");
      try (Stream<Path> files = Files.list(Path.of("rules"))) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          Files.copy(file, dir.resolve(file.getFileName()));
        }
      }
      Files.writeString(dir.resolve("generated.drl"), generatedRules(count));
      try (Policy policy = Policy.load(dir, null)) {
        evaluate(policy, 5_000, new LongAdder());
        LongAdder overruns = new LongAdder();
        Histogram latency = evaluate(policy, 20_000, overruns);
        System.out.printf("rules generated=%d total=%d mean_us=%.1f p99_us=%.1f"
            + " over_deadline=%d%n", count, policy.ruleNames().size(), latency.getMean() / 1e3,
            latency.getValueAtPercentile(99) / 1e3, overruns.sum());
      }
    }
  }

  private static String generatedRules(long count) {
    StringBuilder drl = new StringBuilder("package dev.veto.generated\n\n"
        + "import dev.veto.policy.ToolCall\nimport dev.veto.policy.TaskUsage\n\n"
        + "global dev.veto.policy.Findings findings\n\n");
    for (long i = 0; i < count; i++) {
      String condition = i % 2 == 0
          ? "ToolCall( tool == \"generated_tool_" + i + "\" )"
          : "TaskUsage( calls > " + (1_000_000 + i) + " )";
      drl.append("rule \"generated.").append(i).append("\"\nwhen\n  ").append(condition)
          .append("\nthen\n  findings.note(kcontext, \"generated rule ").append(i)
          .append("\");\nend\n\n");
    }
    return drl.toString();
  }

  /**
   * Evaluation latency over calls; an evaluation past the policy's deadline (a GC pause on a
   * busy machine) is counted in overruns and its time recorded, not a reason to stop.
   */
  private static Histogram evaluate(Policy policy, int calls, LongAdder overruns)
      throws Exception {
    Histogram histogram = new Histogram(3);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String[] tools = {"get_user_details", "modify_user_address", "cancel_reservation"};
    for (int i = 0; i < calls; i++) {
      ObjectNode args = Json.MAPPER.createObjectNode().put("user_id", "u" + random.nextInt(99));
      ToolCall call = ToolCall.of("t-" + random.nextInt(1000), "bench",
          tools[random.nextInt(tools.length)], args, 1L, "k" + i, 10);
      long start = System.nanoTime();
      try {
        policy.evaluate(call, new TaskUsage(random.nextInt(100), 1000, 1000, 0));
      } catch (PolicyTimeoutException e) {
        overruns.increment();
      }
      histogram.recordValue(System.nanoTime() - start);
    }
    return histogram;
  }

  /** One decision for each of N tasks, then heap per task and the latency at that size. */
  private static void tasks(long[] counts) throws Exception {
    Pipeline pipeline = Pipeline.open();
    long base = usedHeapAfterGc();
    long tasks = 0;
    for (long target : counts) {
      for (; tasks < target; tasks++) {
        pipeline.decide("task-" + tasks);
      }
      long perTask = (usedHeapAfterGc() - base) / Math.max(1, tasks);
      Histogram latency = new Histogram(3);
      for (int i = 0; i < 5_000; i++) {
        long start = System.nanoTime();
        pipeline.decide("task-" + ThreadLocalRandom.current().nextLong(tasks));
        latency.recordValue(System.nanoTime() - start);
      }
      System.out.printf("tasks live=%d heap_bytes_per_task=%d decide_mean_us=%.1f"
          + " decide_p99_us=%.1f%n", tasks, perTask, latency.getMean() / 1e3,
          latency.getValueAtPercentile(99) / 1e3);
    }
    pipeline.close();
  }

  /** Appends N decisions (100 a task) to the ledger in DATA, fsync off. */
  private static void fill(Path data, long count) throws Exception {
    try (Pipeline pipeline = Pipeline.open(data)) {
      for (long i = 0; i < count; i++) {
        pipeline.decide("task-" + i / 100);
      }
    }
  }

  /** Starts a server on DATA and prints how long that took. */
  private static void open(Path data) throws Exception {
    long start = System.nanoTime();
    ServerConfig config = new ServerConfig(data, Path.of("rules"), null, "127.0.0.1", 0,
        false, LifecycleOptions.defaults(), null, ServerConfig.Edge.PLAIN, Duration.ZERO,
        ServerConfig.DEFAULT_SNAPSHOT_EVERY, Clock.systemUTC());
    try (VetoServer server = VetoServer.start(config)) {
      System.out.printf("startup entries=%d from_snapshot_seq=%d start_ms=%d"
          + " ledger_bytes=%d%n", server.ledgerSize(), server.resumedFromSeq(),
          (System.nanoTime() - start) / 1_000_000, Files.size(data.resolve("ledger.jsonl")));
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  /** The real decision pipeline without HTTP, fsync off. */
  private record Pipeline(Ledger ledger, ExecutorService evaluator, DecisionService decisions)
      implements AutoCloseable {

    static Pipeline open() throws Exception {
      return open(Files.createTempDirectory("veto-scale"));
    }

    static Pipeline open(Path data) throws Exception {
      Policy policy = Policy.load(Path.of("rules"), null);
      // The key a server started on this folder later will load.
      SigningKey key = KeyFiles.loadOrCreate(data);
      Ledger ledger = Ledger.open(data, key, Clock.systemUTC(), new LedgerOptions(false, 512));
      ExecutorService evaluator = Executors.newFixedThreadPool(2);
      DecisionService decisions = new DecisionService(new ActivePolicy(policy), ledger,
          Clock.systemUTC(), evaluator, LifecycleOptions.defaults(),
          new DecisionMetrics(new SimpleMeterRegistry()));
      return new Pipeline(ledger, evaluator, decisions);
    }

    void decide(String taskId) {
      ObjectNode args = Json.MAPPER.createObjectNode().put("user_id", "u1");
      decisions.decide(new Proposal(taskId, "bench", "get_user_details", args, 1L,
          UUID.randomUUID().toString(), 10, null)).join();
    }

    @Override
    public void close() {
      evaluator.shutdown();
      ledger.close();
    }
  }
}
