package dev.veto.decision;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.json.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An action an agent proposes, as received on {@code POST /v1/decide} and already validated:
 * required fields present, numbers exactly representable, sizes within limits.
 *
 * @param step the agent's step number, or null when the agent does not count steps
 * @param idempotencyKey the agent's key for this logical action, or null
 * @param context raw user input and model output kept for replay, or null
 */
public record Proposal(
    String taskId,
    String agentId,
    String tool,
    ObjectNode args,
    Long step,
    String idempotencyKey,
    long tokensUsed,
    ObjectNode context) {

  /** Failures are counted per step; a proposal without a step counts as step 0. */
  public long stepOrZero() {
    return step == null ? 0 : step;
  }

  /**
   * SHA-256 of the canonical request (task, tool, arguments): what must match for a retry under
   * the same idempotency key to count as the same action.
   */
  public String requestHash() {
    ObjectNode request = Json.MAPPER.createObjectNode();
    request.put("task_id", taskId);
    request.put("tool", tool);
    request.set("args", args);
    return sha256Hex(Json.canonical(request));
  }

  /** The proposal as it is recorded in the ledger, field names as on the wire. */
  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("task_id", taskId);
    node.put("agent_id", agentId);
    node.put("tool", tool);
    node.set("args", args);
    if (step != null) {
      node.put("step", step);
    }
    if (idempotencyKey != null) {
      node.put("idempotency_key", idempotencyKey);
    }
    node.put("tokens_used", tokensUsed);
    if (context != null) {
      node.set("context", context);
    }
    return node;
  }

  static String sha256Hex(byte[] bytes) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
