package dev.veto.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.ledger.merkle.HashTree;
import dev.veto.ledger.merkle.MerkleHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * For bench/verify-speed.sh: fills DIR with N decision-sized entries (fsync off, a
 * checkpoint every 10,000), then measures what the Merkle tree costs: reopening the ledger
 * (recovery with the tree rebuild) and the per-entry leaf work of the appender.
 *
 * <p>Usage: LedgerFill N DIR
 */
public final class LedgerFill {

  private LedgerFill() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.parseInt(args[0]);
    Path dir = Path.of(args[1]);
    Files.createDirectories(dir);
    SigningKey key = KeyFiles.loadOrCreate(dir);
    LedgerOptions noFsync = new LedgerOptions(false, 512);

    long started = System.nanoTime();
    try (Ledger ledger = Ledger.open(dir, key, Clock.systemUTC(), noFsync)) {
      List<CompletableFuture<?>> pending = new ArrayList<>();
      for (int i = 1; i <= count; i++) {
        pending.add(ledger.append("decision", decision(i)));
        if (i % 10_000 == 0) {
          pending.forEach(CompletableFuture::join);
          pending.clear();
          ledger.checkpoint().join();
        }
      }
      pending.forEach(CompletableFuture::join);
      System.out.printf("wrote %d entries (%d bytes) in %.1f s%n", ledger.lastSeq(),
          Files.size(dir.resolve("ledger.jsonl")), (System.nanoTime() - started) / 1e9);
    }

    for (int round = 0; round < 3; round++) {
      long opening = System.nanoTime();
      try (Ledger ledger = Ledger.open(dir, key, Clock.systemUTC(), noFsync)) {
        System.out.printf("reopen (recovery + tree rebuild of %d entries): %.2f s%n",
            ledger.treeSize(), (System.nanoTime() - opening) / 1e9);
      }
    }
    leafCost();
  }

  private static void leafCost() {
    int n = 2_000_000;
    byte[] input = new byte[96];
    HashTree tree = new HashTree();
    for (int round = 0; round < 2; round++) {
      long started = System.nanoTime();
      for (int i = 0; i < n; i++) {
        input[0] = (byte) i;
        tree.add(MerkleHash.leafHash(input));
      }
      System.out.printf("leaf hash + tree append: %.2f us an entry%n",
          (System.nanoTime() - started) / 1e3 / n);
    }
  }

  /** About the size and shape of a real decision entry's data. */
  private static ObjectNode decision(int i) {
    ObjectNode data = Json.MAPPER.createObjectNode();
    data.put("decision_id", UUID.randomUUID().toString());
    ObjectNode proposal = data.putObject("proposal");
    proposal.put("task_id", "task-" + (i % 10_000));
    proposal.put("agent_id", "bench-agent");
    proposal.put("tool", "get_user_details");
    proposal.putObject("args").put("user_id", "user_" + i).put("include", "orders");
    proposal.put("step", i % 50);
    proposal.put("idempotency_key", UUID.randomUUID().toString());
    proposal.put("tokens_used", 812);
    data.put("request_hash", "9f".repeat(32));
    data.put("verdict", "allow");
    data.put("tier", 0);
    data.putArray("reasons").addObject().put("rule", "classify.read")
        .put("message", "'get_user_details' reads and changes nothing (tier 0)");
    data.put("policy_version", "sha256:" + "ab".repeat(32));
    data.putObject("usage_before").put("tool_calls", 3).put("tokens", 2400)
        .put("elapsed_ms", 1200).put("failures_in_step", 0);
    data.putObject("limits").put("max_tool_calls", 200).put("max_tokens", 1_000_000)
        .put("max_wall_clock_ms", 3_600_000).put("max_failures_per_step", 3);
    data.putObject("charged").put("tool_calls", 1).put("tokens", 812);
    data.putObject("remaining").put("tool_calls", 196).put("tokens", 996_788)
        .put("wall_clock_ms", 3_598_800).put("failures_in_step", 3);
    return data;
  }
}
