package dev.veto.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.json.Json;
import dev.veto.ledger.BlobStore;
import dev.veto.ledger.KeyChain;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerUnavailableException;
import dev.veto.ledger.Receipt;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/**
 * The auditor's endpoints (docs/LEDGER.md has the formats): the latest signed checkpoint,
 * Merkle inclusion and consistency proofs, raw entries, the key chain; and two operator
 * actions, an on-demand checkpoint and the erasure of a payload blob.
 *
 * <p>Everything runs in {@link Vertx#executeBlocking}: entries are read from the ledger file,
 * and a proof over a large tree takes some hundred hashes. Bad parameters are 400 naming the
 * parameter; a seq or size beyond the ledger is 404; nothing a caller sends gives a 500.
 *
 * <p>Access (added centrally elsewhere): GET routes are for auditors, POST for operators.
 */
final class LedgerApi {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  /** A page stops growing past this many bytes of lines (entries can be large). */
  private static final int PAGE_BYTES = 4 << 20;
  private static final HexFormat HEX = HexFormat.of();
  private static final String JSON = "application/json";

  private final Vertx vertx;
  private final Ledger ledger;

  LedgerApi(Vertx vertx, Ledger ledger) {
    this.vertx = vertx;
    this.ledger = ledger;
  }

  void mount(Router router) {
    router.get("/v1/ledger/checkpoint").handler(ctx -> answer(ctx, this::latestCheckpoint));
    router.post("/v1/ledger/checkpoint").handler(ctx -> answer(ctx, this::newCheckpoint));
    router.get("/v1/ledger/proof/inclusion").handler(ctx -> answer(ctx, () -> inclusion(ctx)));
    router.get("/v1/ledger/proof/consistency")
        .handler(ctx -> answer(ctx, () -> consistency(ctx)));
    router.get("/v1/ledger/entries").handler(ctx -> answer(ctx, () -> entries(ctx)));
    router.get("/v1/keys").handler(ctx -> answer(ctx, this::keys));
    router.post("/v1/blobs/:sha256/erase").handler(ctx -> answer(ctx, () -> erase(ctx)));
  }

  private void answer(RoutingContext ctx, Callable<ObjectNode> work) {
    vertx.executeBlocking(work, false).onComplete(result -> {
      if (result.failed()) {
        ctx.fail(asApiException(result.cause()));
        return;
      }
      if (!ctx.response().ended()) {
        ctx.response().setStatusCode(200).putHeader("content-type", JSON)
            .putHeader("cache-control", "no-store").end(Responses.json(result.result()));
      }
    });
  }

  private static Throwable asApiException(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof LedgerUnavailableException) {
      return new ApiException(503, "ledger_unavailable", cause.getMessage(), null);
    }
    return cause;
  }

  private ObjectNode latestCheckpoint() throws Exception {
    long seq = ledger.lastCheckpointSeq();
    if (seq == 0) {
      throw new ApiException(404, "no_checkpoint",
          "the ledger has no checkpoint yet; one is written at the next interval", null);
    }
    return checkpoint(ledger.read(seq));
  }

  private ObjectNode newCheckpoint() throws Exception {
    if (ledger.treeSize() == 0) {
      throw new ApiException(409, "empty_ledger", "an empty ledger has nothing to checkpoint",
          null);
    }
    Receipt receipt = ledger.checkpoint().join();
    return checkpoint(ledger.read(receipt.seq()));
  }

  private ObjectNode checkpoint(LedgerEntry entry) {
    JsonNode data = entry.data();
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("origin", ledger.origin());
    body.put("size", data.path("size").asLong());
    body.put("root_hash", data.path("root_hash").asText());
    body.put("time", entry.time());
    body.put("key_id", entry.keyId());
    body.put("note", data.path("note").asText());
    body.set("entry", receipt(entry.seq(), entry.hash(), entry.signature(), entry.keyId()));
    return body;
  }

  private ObjectNode inclusion(RoutingContext ctx) {
    long treeSize = ledger.treeSize();
    long seq = required(ctx, "seq");
    long size = optional(ctx, "size", treeSize);
    if (seq < 1) {
      throw invalid("seq", "seq must be 1 or more");
    }
    requireKnown("seq", seq, treeSize);
    if (size < seq) {
      throw invalid("size", "size must be at least seq (" + seq + ")");
    }
    requireKnown("size", size, treeSize);
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("seq", seq);
    body.put("size", size);
    body.put("leaf_hash", HEX.formatHex(ledger.leafHash(seq)));
    body.put("root_hash", HEX.formatHex(ledger.rootHash(size)));
    body.set("proof", hexes(ledger.inclusionProof(seq, size)));
    return body;
  }

  private ObjectNode consistency(RoutingContext ctx) {
    long treeSize = ledger.treeSize();
    long from = required(ctx, "from");
    long to = optional(ctx, "to", treeSize);
    if (from < 1) {
      throw invalid("from", "from must be 1 or more (the empty tree proves nothing)");
    }
    if (to < from) {
      throw invalid("to", "to must be at least from (" + from + ")");
    }
    requireKnown("to", to, treeSize);
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("from", from);
    body.put("to", to);
    body.put("root_from", HEX.formatHex(ledger.rootHash(from)));
    body.put("root_to", HEX.formatHex(ledger.rootHash(to)));
    body.set("proof", hexes(ledger.consistencyProof(from, to)));
    return body;
  }

  private ObjectNode entries(RoutingContext ctx) throws Exception {
    long from = optional(ctx, "from", 1);
    long limit = optional(ctx, "limit", DEFAULT_LIMIT);
    if (from < 1) {
      throw invalid("from", "from must be 1 or more");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw invalid("limit", "limit must be in 1.." + MAX_LIMIT);
    }
    long last = ledger.lastSeq();
    requireKnown("from", from, last);
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("from", from);
    body.put("last_seq", last);
    ArrayNode lines = body.putArray("entries");
    long seq = from;
    long bytes = 0;
    while (seq <= Math.min(last, from + limit - 1) && bytes < PAGE_BYTES) {
      byte[] line = ledger.readLine(seq++);
      bytes += line.length;
      lines.add(new String(line, StandardCharsets.UTF_8));
    }
    if (seq <= last) {
      body.put("next", seq);
    } else {
      body.putNull("next");
    }
    return body;
  }

  private ObjectNode keys() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("origin", ledger.origin());
    ArrayNode keys = body.putArray("keys");
    for (KeyChain.KeyPeriod period : ledger.keys().periods(ledger.verifyingKey())) {
      ObjectNode key = keys.addObject()
          .put("key_id", period.keyId())
          .put("algorithm", "ed25519")
          .put("public_key", period.publicKey())
          .put("from_seq", period.fromSeq());
      if (period.toSeq() == 0) {
        key.putNull("to_seq");
      } else {
        key.put("to_seq", period.toSeq());
      }
      key.put("in_force", period.toSeq() == 0);
    }
    return body;
  }

  private ObjectNode erase(RoutingContext ctx) {
    String sha256 = ctx.pathParam("sha256");
    if (!BlobStore.isName(sha256)) {
      throw invalid("sha256", "sha256 must be 64 lowercase hex characters");
    }
    if (!ledger.blobs().contains(sha256)) {
      throw new ApiException(404, "unknown_blob", "no payload " + sha256 + " is stored here"
          + " (never stored, or already erased)", "sha256");
    }
    Receipt receipt = ledger.eraseBlob(sha256).join();
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("sha256", sha256);
    body.put("erased", true);
    body.set("receipt", receipt(receipt.seq(), receipt.hash(), receipt.signature(),
        receipt.keyId()));
    return body;
  }

  private static ObjectNode receipt(long seq, String hash, String signature, String keyId) {
    return Json.MAPPER.createObjectNode().put("seq", seq).put("hash", hash)
        .put("signature", signature).put("key_id", keyId);
  }

  private static ArrayNode hexes(List<byte[]> hashes) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    hashes.forEach(hash -> array.add(HEX.formatHex(hash)));
    return array;
  }

  private static long required(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    if (values.isEmpty()) {
      throw ApiException.badRequest("missing_field", name, "query parameter " + name
          + " is required");
    }
    return parse(name, values);
  }

  private static long optional(RoutingContext ctx, String name, long fallback) {
    List<String> values = ctx.queryParam(name);
    return values.isEmpty() ? fallback : parse(name, values);
  }

  private static long parse(String name, List<String> values) {
    if (values.size() > 1) {
      throw invalid(name, "query parameter " + name + " is given more than once");
    }
    String value = values.get(0);
    if (!value.matches("[0-9]{1,15}")) {
      throw invalid(name, name + " must be a whole number (at most 15 digits)");
    }
    return Long.parseLong(value);
  }

  private static void requireKnown(String name, long value, long known) {
    if (value > known) {
      throw new ApiException(404, "unknown_seq", name + " " + value + " is beyond the ledger ("
          + known + " entries)", name);
    }
  }

  private static ApiException invalid(String field, String message) {
    return ApiException.badRequest("invalid_field", field, message);
  }
}
