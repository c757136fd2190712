package dev.veto.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.SigningKey;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.ledger.Receipt;
import dev.veto.policy.Evaluation;
import dev.veto.policy.Policy;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import dev.veto.testing.VetoFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The in-process cost of the decide path's parts: one rule evaluation on the default policy,
 * one Ed25519 signature, one RFC 8785 canonicalisation of a decision-sized record, and one
 * ledger append with fsync off (canonicalise, hash, sign, write; awaited one at a time, so it
 * includes a thread hand-off and no batching).
 * Run with bench/run.sh (JMH), from the repository root so that rules/ is found.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HotPathBenchmark {

  private static final String DECISION_ENTRY = """
      {
        "charged": {
          "tokens": 1199,
          "tool_calls": 1
        },
        "decision_id": "6e0db08f-b738-45f7-8c12-919f755c497f",
        "limits": {
          "max_failures_per_step": 3,
          "max_tokens": 1000000,
          "max_tool_calls": 200,
          "max_wall_clock_ms": 3600000
        },
        "policy_version": "sha256:6b7d1c2d1791a528b5e41939895849b07f45580da2e0f4b6ba20e944f05051d1",
        "proposal": {
          "agent_id": "bench",
          "args": {
            "address": {
              "city": "Lisbon",
              "zip": "1000-001"
            },
            "user_id": "u51"
          },
          "idempotency_key": "34f814e6-e3ba-4b13-b320-c9c356c6788f",
          "step": 1,
          "task_id": "bench-5019",
          "tokens_used": 1199,
          "tool": "get_user_details"
        },
        "reasons": [
          {
            "message": "'get_user_details' is catalogued as tier 0 (read)",
            "rule": "classify.catalog"
          }
        ],
        "remaining": {
          "failures_in_step": 3,
          "tokens": 998801,
          "tool_calls": 199,
          "wall_clock_ms": 3600000
        },
        "request_hash": "8cf6805dbed563ccde0d15c09cb28c04626e2a54d199fb2b8c65c5c70483045b",
        "situation": {
          "mode": "normal",
          "probable_duplicate": false
        },
        "tier": 0,
        "usage_before": {
          "elapsed_ms": 0,
          "failures_in_step": 0,
          "tokens": 0,
          "tool_calls": 0
        },
        "verdict": "allow"
      }""";

  private Policy policy;
  private ObjectNode args;
  private ToolCall read;
  private ToolCall write;
  private TaskUsage usage;
  private SigningKey key;
  private byte[] message;
  private ObjectNode record;
  private ObjectNode decisionEntry;
  private Ledger ledger;

  @Setup
  public void setUp() throws Exception {
    // One pause past the 50 ms deadline (GC, a busy shared machine) would end the whole run
    // with PolicyTimeoutException; this measures evaluation, so the deadline is lifted.
    policy = Policy.load(Path.of("rules"), VetoFixture.relaxedDeadline());
    args = Json.MAPPER.createObjectNode().put("user_id", "raj_sanchez_7340")
        .put("address1", "445 Maple Drive").put("city", "Austin").put("zip", "78701");
    read = ToolCall.of("task-1", "agent", "get_user_details", args, 3L, "k1", 120);
    write = ToolCall.of("task-1", "agent", "modify_user_address", args, 3L, "k2", 120);
    usage = new TaskUsage(12, 40_000, 60_000, 0);
    key = SigningKey.generate();
    message = new byte[47];
    record = Json.MAPPER.createObjectNode();
    record.put("decision_id", "0b7f7c57-6c1e-4b7e-9a57-3f0e3c0f8a11");
    record.set("proposal", Json.MAPPER.createObjectNode().put("task_id", "task-1")
        .put("tool", "get_user_details").set("args", args));
    record.put("verdict", "allow").put("tier", 0);
    record.put("policy_version", "sha256:" + "ab".repeat(32));
    decisionEntry = (ObjectNode) Json.MAPPER.readTree(DECISION_ENTRY);
    ledger = Ledger.open(Files.createTempDirectory("veto-bench"), key, Clock.systemUTC(),
        new LedgerOptions(/* fsync= */ false, /* maxBatch= */ 512));
  }

  @TearDown
  public void tearDown() {
    ledger.close();
  }

  /** What the rules see of a proposal: name normalised and split, arguments walked. */
  @Benchmark
  public ToolCall buildToolCall() {
    return ToolCall.of("task-1", "agent", "modify_user_address", args, 3L, "k2", 120);
  }

  @Benchmark
  public Evaluation evaluateRead() throws Exception {
    return policy.evaluate(read, usage);
  }

  @Benchmark
  public Evaluation evaluateWrite() throws Exception {
    return policy.evaluate(write, usage);
  }

  @Benchmark
  public byte[] signEntryHash() {
    return key.sign(message);
  }

  @Benchmark
  public Receipt appendToLedger() {
    return ledger.append("decision", record).join();
  }

  @Benchmark
  public byte[] canonicalizeRecord() {
    return Json.canonical(record);
  }

  /** The data of a real tier-0 decision entry (about 1 KB), as the decide path writes it. */
  @Benchmark
  public byte[] canonicalizeDecisionEntry() {
    return Json.canonical(decisionEntry);
  }
}
