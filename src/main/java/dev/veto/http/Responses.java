package dev.veto.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.Decision;
import dev.veto.decision.DecisionRecord;
import dev.veto.decision.OutcomeReceipt;
import dev.veto.json.Json;
import dev.veto.ledger.Receipt;
import dev.veto.policy.Reason;
import dev.veto.task.TaskState.Remaining;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/** The JSON bodies Veto answers with (wire format version 1). */
final class Responses {

  private Responses() {}

  static Buffer decision(Decision decision) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("decision_id", decision.decisionId());
    body.put("task_id", decision.taskId());
    body.put("verdict", decision.verdict().wire());
    body.put("tier", decision.tier());
    body.set("reasons", DecisionRecord.reasons(decision.reasons()));
    body.put("policy_version", decision.policyVersion());
    body.set("budgets", remaining(decision.remaining()));
    body.set("receipt", receipt(decision.receipt()));
    return write(body);
  }

  static Buffer outcome(OutcomeReceipt outcome) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("decision_id", outcome.decisionId());
    body.put("status", outcome.status().wire());
    body.set("budgets", remaining(outcome.remaining()));
    body.set("receipt", receipt(outcome.receipt()));
    return write(body);
  }

  static Buffer error(String code, String message, String field) {
    return write(errorNode(code, message, field));
  }

  /**
   * The body of a decide request that failed inside Veto: an error, and also an explicit
   * refuse, so that an agent that reads only {@code verdict} still stops.
   */
  static Buffer refusal(String code, String message) {
    ObjectNode body = errorNode(code, message, null);
    body.put("verdict", "refuse");
    body.set("reasons", DecisionRecord.reasons(List.of(new Reason("veto." + code, message))));
    return write(body);
  }

  static Buffer json(ObjectNode body) {
    return write(body);
  }

  private static ObjectNode errorNode(String code, String message, String field) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("code", code);
    body.put("message", message);
    if (field != null) {
      body.put("field", field);
    }
    return body;
  }

  private static ObjectNode remaining(Remaining remaining) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.set("remaining", DecisionRecord.remaining(remaining));
    return node;
  }

  private static ObjectNode receipt(Receipt receipt) {
    return Json.MAPPER.createObjectNode()
        .put("seq", receipt.seq())
        .put("hash", receipt.hash())
        .put("signature", receipt.signature())
        .put("key_id", receipt.keyId());
  }

  private static Buffer write(ObjectNode body) {
    try {
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }
}
