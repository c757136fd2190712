package dev.veto.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.SigningKey;
import dev.veto.decision.Decision;
import dev.veto.decision.DecisionMetrics;
import dev.veto.decision.DecisionService;
import dev.veto.decision.LifecycleOptions;
import dev.veto.decision.Proposal;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.policy.ActivePolicy;
import dev.veto.policy.Policy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The whole decision pipeline in process, without HTTP: idempotency claim, task monitor, rule
 * evaluation, record, ledger append with fsync off. 16 callers, like the HTTP benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PipelineBenchmark {

  private Ledger ledger;
  private ExecutorService evaluator;
  private DecisionService decisions;

  @Setup
  public void setUp() throws Exception {
    Policy policy = Policy.load(Path.of("rules"), null);
    ledger = Ledger.open(Files.createTempDirectory("veto-bench"), SigningKey.generate(),
        Clock.systemUTC(), new LedgerOptions(/* fsync= */ false, /* maxBatch= */ 512));
    evaluator = Executors.newFixedThreadPool(2);
    decisions = new DecisionService(new ActivePolicy(policy), ledger, Clock.systemUTC(),
        evaluator, LifecycleOptions.defaults(), new DecisionMetrics(new SimpleMeterRegistry()));
  }

  @TearDown
  public void tearDown() {
    evaluator.shutdown();
    ledger.close();
  }

  @Benchmark
  @Threads(16)
  public Decision decide() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    ObjectNode args = Json.MAPPER.createObjectNode().put("user_id", "u" + random.nextInt(1000));
    Proposal proposal = new Proposal("bench-" + random.nextInt(10_000), "bench",
        "get_user_details", args, 3L, UUID.randomUUID().toString(), 100, null);
    return decisions.decide(proposal).join();
  }
}
