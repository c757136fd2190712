package dev.veto.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.approval.Approval;
import dev.veto.auth.Caller;
import dev.veto.decision.Controls;
import dev.veto.decision.DecisionService;
import dev.veto.mode.ModeBook;
import dev.veto.policy.Mode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * The endpoints of the decision lifecycle: an agent reading (and waiting on) its decisions,
 * approvers settling approvals, operators setting modes, halting and resetting tasks and
 * working the queue, and everyone allowed reading incidents. Access is checked before these
 * handlers run (see {@link dev.veto.auth.AccessTable}); they only parse, call
 * {@link Controls} off the event loop, and answer.
 */
final class LifecycleApi {

  static final Duration MAX_WAIT = Duration.ofSeconds(60);
  private static final int MAX_TEXT = 2000;
  private static final Set<String> SETTLE_FIELDS = Set.of("decision", "comment");
  private static final Set<String> QUEUE_FIELDS = Set.of("action", "comment");
  private static final Set<String> HALT_FIELDS = Set.of("reason");
  private static final Set<String> MODE_FIELDS = Set.of("scope", "id", "mode", "reason");

  private final Vertx vertx;
  private final DecisionService decisions;
  private final Controls controls;
  private final BiConsumer<RoutingContext, ObjectNode> answer;

  LifecycleApi(Vertx vertx, DecisionService decisions,
      BiConsumer<RoutingContext, ObjectNode> answer) {
    this.vertx = vertx;
    this.decisions = decisions;
    this.controls = decisions.controls();
    this.answer = answer;
  }

  void mount(Router router, BodyHandler bodies) {
    router.get("/v1/decisions/:id").handler(this::decision);
    router.get("/v1/approvals").handler(ctx -> list(ctx, Approval.Kind.APPROVAL));
    router.get("/v1/approvals/:id").handler(ctx -> one(ctx, Approval.Kind.APPROVAL));
    router.post("/v1/approvals/:id").handler(bodies).handler(this::settleApproval);
    router.get("/v1/queue").handler(ctx -> list(ctx, Approval.Kind.QUEUE));
    router.post("/v1/queue/:id").handler(bodies).handler(this::settleQueued);
    router.get("/v1/tasks/:id").handler(this::task);
    router.post("/v1/tasks/:id/halt").handler(bodies).handler(this::halt);
    router.post("/v1/tasks/:id/reset").handler(bodies).handler(this::reset);
    router.get("/v1/modes").handler(ctx -> reply(ctx, controls.modes()));
    router.post("/v1/modes").handler(bodies).handler(this::setMode);
    router.get("/v1/incidents").handler(this::incidents);
    router.get("/v1/incidents/:id").handler(ctx -> reply(ctx,
        controls.incident(RequestReader.pathId(ctx.pathParam("id"), "id"))));
  }

  private void decision(RoutingContext ctx) {
    String id = RequestReader.pathId(ctx.pathParam("id"), "decision_id");
    Duration wait = waitOf(ctx.queryParams().get("wait"));
    // An agent reads only its own decisions; other roles read any.
    Caller caller = ApiServer.caller(ctx);
    String agentId = caller.has(dev.veto.auth.Role.AGENT) ? caller.agentId() : null;
    onContext(decisions.view(id, agentId, wait))
        .onSuccess(view -> answer.accept(ctx, Responses.decisionView(view)))
        .onFailure(ctx::fail);
  }

  /** {@code ?wait=30s}, {@code 500ms}, {@code 2m} or ISO-8601 {@code PT30S}; at most 60 s. */
  static Duration waitOf(String text) {
    if (text == null || text.isEmpty()) {
      return Duration.ZERO;
    }
    Duration wait;
    try {
      wait = parseDuration(text.trim().toLowerCase(Locale.ROOT));
    } catch (DateTimeParseException | NumberFormatException e) {
      throw ApiException.badRequest("invalid_parameter", "wait",
          "wait must be a duration such as 30s, 500ms or PT30S");
    }
    if (wait.isNegative() || wait.compareTo(MAX_WAIT) > 0) {
      throw ApiException.badRequest("invalid_parameter", "wait",
          "wait must be between 0 and " + MAX_WAIT.toSeconds() + " seconds");
    }
    return wait;
  }

  private static Duration parseDuration(String text) {
    if (text.startsWith("pt") || text.startsWith("p")) {
      return Duration.parse(text.toUpperCase(Locale.ROOT));
    }
    if (text.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
    }
    if (text.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
    }
    if (text.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
    }
    return Duration.ofSeconds(Long.parseLong(text));
  }

  private void list(RoutingContext ctx, Approval.Kind kind) {
    String statusText = ctx.queryParams().get("status");
    Approval.Status status = null;
    if (statusText != null && !statusText.isEmpty()) {
      status = statusOf(statusText, kind, "status");
    }
    reply(ctx, controls.approvals(kind, status));
  }

  private void one(RoutingContext ctx, Approval.Kind kind) {
    reply(ctx, controls.approval(RequestReader.pathId(ctx.pathParam("id"), "id"), kind));
  }

  private static Approval.Status statusOf(String text, Approval.Kind kind, String field) {
    for (Approval.Status status : Approval.Status.values()) {
      if (status.wire(kind).equals(text)) {
        return status;
      }
    }
    String expected = kind == Approval.Kind.APPROVAL ? "pending, approved, denied, expired"
        : "queued, released, dropped";
    throw ApiException.badRequest("invalid_parameter", field,
        field + " must be one of " + expected);
  }

  private void settleApproval(RoutingContext ctx) {
    ObjectNode body = RequestReader.controlBody(ApiServer.body(ctx), SETTLE_FIELDS);
    String decision = RequestReader.requiredText(body, "decision");
    Approval.Status to = switch (decision) {
      case "approve" -> Approval.Status.APPROVED;
      case "deny" -> Approval.Status.DENIED;
      default -> throw ApiException.badRequest("invalid_field", "decision",
          "decision must be approve or deny");
    };
    settle(ctx, Approval.Kind.APPROVAL, to, body);
  }

  private void settleQueued(RoutingContext ctx) {
    ObjectNode body = RequestReader.controlBody(ApiServer.body(ctx), QUEUE_FIELDS);
    String action = RequestReader.requiredText(body, "action");
    Approval.Status to = switch (action) {
      case "release" -> Approval.Status.APPROVED;
      case "drop" -> Approval.Status.DENIED;
      default -> throw ApiException.badRequest("invalid_field", "action",
          "action must be release or drop");
    };
    settle(ctx, Approval.Kind.QUEUE, to, body);
  }

  private void settle(RoutingContext ctx, Approval.Kind kind, Approval.Status to,
      ObjectNode body) {
    String id = RequestReader.pathId(ctx.pathParam("id"), "id");
    String comment = RequestReader.optionalText(body, "comment", MAX_TEXT);
    reply(ctx, controls.settle(id, kind, to, ApiServer.caller(ctx).name(), comment));
  }

  private void task(RoutingContext ctx) {
    reply(ctx, controls.task(RequestReader.pathId(ctx.pathParam("id"), "task_id")));
  }

  private void halt(RoutingContext ctx) {
    ObjectNode body = RequestReader.controlBody(ApiServer.body(ctx), HALT_FIELDS);
    String reason = RequestReader.optionalText(body, "reason", MAX_TEXT);
    String taskId = RequestReader.pathId(ctx.pathParam("id"), "task_id");
    reply(ctx, controls.halt(taskId, ApiServer.caller(ctx).name(),
        reason == null ? "no reason given" : reason));
  }

  private void reset(RoutingContext ctx) {
    RequestReader.controlBody(ApiServer.body(ctx), HALT_FIELDS);
    String taskId = RequestReader.pathId(ctx.pathParam("id"), "task_id");
    reply(ctx, controls.reset(taskId, ApiServer.caller(ctx).name()));
  }

  private void setMode(RoutingContext ctx) {
    ObjectNode body = RequestReader.controlBody(ApiServer.body(ctx), MODE_FIELDS);
    ModeBook.Scope scope = ModeBook.Scope.fromWire(RequestReader.requiredText(body, "scope"))
        .orElseThrow(() -> ApiException.badRequest("invalid_field", "scope",
            "scope must be global, agent or task"));
    String id = body.has("id") && !body.get("id").isNull()
        ? RequestReader.requiredText(body, "id") : null;
    if ((scope == ModeBook.Scope.GLOBAL) != (id == null)) {
      throw ApiException.badRequest("invalid_field", "id", scope == ModeBook.Scope.GLOBAL
          ? "the global scope takes no id" : "an agent or task scope needs the id");
    }
    Mode mode = Mode.fromWire(RequestReader.requiredText(body, "mode"))
        .orElseThrow(() -> ApiException.badRequest("invalid_field", "mode", "mode must be"
            + " normal, cheaper_model, extraction_only, heuristics, confirm or queue"));
    String reason = RequestReader.optionalText(body, "reason", MAX_TEXT);
    reply(ctx, controls.setMode(scope, id, mode, ApiServer.caller(ctx).name(), reason));
  }

  private void incidents(RoutingContext ctx) {
    String taskId = ctx.queryParams().get("task_id");
    reply(ctx, controls.incidents(taskId == null ? null : RequestReader.pathId(taskId,
        "task_id")));
  }

  private <T extends JsonNode> void reply(RoutingContext ctx, CompletionStage<T> stage) {
    onContext(stage)
        .onSuccess(node -> answer.accept(ctx, node instanceof ObjectNode object ? object
            : wrap(node)))
        .onFailure(ctx::fail);
  }

  /** Lists are answered as {@code {"items": [...]}}, so the shape can grow fields later. */
  private static ObjectNode wrap(JsonNode node) {
    ObjectNode body = dev.veto.json.Json.MAPPER.createObjectNode();
    body.set("items", node);
    return body;
  }

  private <T> Future<T> onContext(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
  }
}
