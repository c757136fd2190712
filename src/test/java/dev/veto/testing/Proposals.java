package dev.veto.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.json.Json;
import java.util.UUID;

/** Builders for proposals as an agent would send them. */
public final class Proposals {

  private Proposals() {}

  /** A proposal with a fresh task, a fixed agent and a fresh idempotency key. */
  public static ObjectNode of(String tool) {
    return of("task-" + UUID.randomUUID(), tool);
  }

  public static ObjectNode of(String taskId, String tool) {
    ObjectNode proposal = Json.MAPPER.createObjectNode();
    proposal.put("task_id", taskId);
    proposal.put("agent_id", "agent-test");
    proposal.put("tool", tool);
    proposal.putObject("args");
    proposal.put("step", 1);
    proposal.put("idempotency_key", UUID.randomUUID().toString());
    return proposal;
  }
}
