package dev.veto.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.approval.Approval;
import dev.veto.decision.Decision;
import dev.veto.decision.DecisionView;
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
    return write(decisionNode(decision));
  }

  /**
   * The answer to a proposal, built from the recorded decision only, so a replay is the same
   * bytes. A replay of an action in doubt adds {@code outcome: unknown} and a reason.
   */
  private static ObjectNode decisionNode(Decision decision) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("decision_id", decision.decisionId());
    body.put("task_id", decision.taskId());
    body.put("verdict", decision.verdict().wire());
    body.put("tier", decision.tier());
    List<Reason> reasons = decision.reasons();
    if (decision.inDoubt()) {
      reasons = new java.util.ArrayList<>(reasons);
      reasons.add(0, new Reason("veto.in_doubt", "this action was allowed before and its"
          + " outcome is unknown: check whether it already took effect before acting, then"
          + " report the outcome"));
      body.put("outcome", "unknown");
    }
    body.set("reasons", DecisionRecord.reasons(reasons));
    body.put("policy_version", decision.policyVersion());
    body.putObject("mode").put("name", decision.mode().wire())
        .put("meaning", decision.mode().meaning());
    if (decision.approval() != null) {
      ObjectNode approval = body.putObject(decision.approval().kind());
      approval.put("id", decision.approval().id());
      if (decision.approval().expiresAt() != null) {
        approval.put("expires_at", decision.approval().expiresAt());
      }
    }
    body.set("budgets", remaining(decision.remaining()));
    body.set("receipt", receipt(decision.receipt()));
    return body;
  }

  /** {@code GET /v1/decisions/{id}}: the recorded answer and what happened since. */
  static ObjectNode decisionView(DecisionView view) {
    ObjectNode body = decisionNode(view.decision());
    Approval approval = view.approval();
    if (approval != null) {
      ObjectNode node = (ObjectNode) body.get(approval.kind().wire());
      node.put("status", approval.statusWire());
      if (approval.settledBy() != null) {
        node.put("settled_by", approval.settledBy());
        node.put("comment", approval.comment());
      }
      node.put("used", approval.usedBy() != null);
    }
    body.put("outcome", view.outcome() == null ? null : view.outcome().wire());
    body.put("in_doubt", view.inDoubt());
    return body;
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
