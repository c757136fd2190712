package dev.veto.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.DecisionRecord;
import dev.veto.json.Json;
import dev.veto.policy.Evaluation;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import dev.veto.policy.reload.PolicyReloader;
import dev.veto.shadow.ShadowRunner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The policy routes: the active version and the last failed reload, an explicit reload, and
 * shadow runs of a candidate. Compilation runs on the reloader's own thread; handlers only
 * parse and serialise on the event loop.
 *
 * <ul>
 *   <li>{@code GET /v1/policy}: version, loaded_at, rules, files, last_failure.
 *   <li>{@code POST /v1/policy/reload}: reload the rules folder now; 200 with what happened,
 *       422 {@code policy_rejected} when the new rules do not compile or fail their tests.
 *   <li>{@code POST /v1/policy/shadow} {@code {"rules": DIR, "config": FILE?}}: compile and
 *       test DIR and evaluate every decision with it too; {@code GET ?limit=N} shows the
 *       counts and the last N disagreements; {@code DELETE} ends the run.
 * </ul>
 */
public final class PolicyApi {

  private static final int DEFAULT_SHOWN = 100;
  private static final int MAX_SHOWN = 1000;
  private static final Set<String> SHADOW_FIELDS = Set.of("rules", "config");

  private final Vertx vertx;
  private final PolicyReloader reloader;
  private final ShadowRunner shadow;

  public PolicyApi(Vertx vertx, PolicyReloader reloader, ShadowRunner shadow) {
    this.vertx = vertx;
    this.reloader = reloader;
    this.shadow = shadow;
  }

  public void mount(Router router) {
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(64 * 1024);
    router.get("/v1/policy").handler(this::status);
    router.post("/v1/policy/reload").handler(bodies).handler(this::reload);
    router.post("/v1/policy/shadow").handler(bodies).handler(this::startShadow);
    router.get("/v1/policy/shadow").handler(this::shadowStatus);
    router.delete("/v1/policy/shadow").handler(this::stopShadow);
  }

  private void status(RoutingContext ctx) {
    PolicyReloader.Status status = reloader.status();
    ObjectNode body = Json.MAPPER.createObjectNode()
        .put("version", status.version())
        .put("loaded_at", status.loadedAt().toString())
        .put("rules_dir", reloader.rulesDir().toString())
        .put("activations", status.activations());
    ArrayNode rules = body.putArray("rules");
    status.ruleNames().forEach(rules::add);
    ArrayNode files = body.putArray("files");
    status.files().forEach(files::add);
    body.set("last_failure", failure(status.lastFailure()));
    send(ctx, 200, body);
  }

  private void reload(RoutingContext ctx) {
    onContext(reloader.reload("api")).onComplete(result -> {
      if (result.failed()) {
        ctx.fail(result.cause());
        return;
      }
      PolicyReloader.Outcome outcome = result.result();
      if (outcome.failure() != null) {
        ctx.fail(rejected(outcome.failure().problems()));
        return;
      }
      send(ctx, 200, Json.MAPPER.createObjectNode()
          .put("activated", outcome.activated())
          .put("version", outcome.version()));
    });
  }

  private void startShadow(RoutingContext ctx) {
    RequestReader.checkContentType(ctx.request().getHeader("content-type"));
    ObjectNode request = object(ctx.body().buffer());
    Path rules = path(text(request, "rules", true), "rules");
    String config = text(request, "config", false);
    Path configFile = config == null ? null : path(config, "config");
    if (!Files.isDirectory(rules)) {
      throw ApiException.badRequest("invalid_field", "rules", "no rules folder at " + rules);
    }
    if (configFile != null && !Files.isRegularFile(configFile)) {
      throw ApiException.badRequest("invalid_field", "config", "no file at " + configFile);
    }

    onContext(reloader.compile(rules, configFile)).onComplete(result -> {
      if (result.failed()) {
        ctx.fail(unwrapRejection(result.cause()));
        return;
      }
      Policy candidate = result.result();
      shadow.start(candidate, rules.toString());
      send(ctx, 200, Json.MAPPER.createObjectNode()
          .put("candidate_version", candidate.version())
          .put("active_version", reloader.active().current().version()));
    });
  }

  /** {@code ?limit=N}: the last N disagreements, newest last (default 100, at most 1000). */
  private void shadowStatus(RoutingContext ctx) {
    send(ctx, 200, shadowJson(shadow.status(), limit(ctx)));
  }

  private void stopShadow(RoutingContext ctx) {
    send(ctx, 200, shadowJson(shadow.stop(), limit(ctx)));
  }

  private static int limit(RoutingContext ctx) {
    String text = ctx.request().getParam("limit");
    if (text == null) {
      return DEFAULT_SHOWN;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 0 && limit <= MAX_SHOWN) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiException.badRequest("invalid_field", "limit",
        "limit must be a whole number from 0 to " + MAX_SHOWN);
  }

  private static ObjectNode shadowJson(ShadowRunner.Status status, int limit) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("running", status.candidateVersion() != null);
    body.put("candidate_version", status.candidateVersion());
    body.put("source", status.source());
    body.put("since", status.since() == null ? null : status.since().toString());
    body.putObject("counts")
        .put("agreed", status.agreed()).put("disagreed", status.disagreed())
        .put("failed", status.failed()).put("dropped", status.dropped());
    ArrayNode list = body.putArray("disagreements");
    List<ShadowRunner.Disagreement> kept = status.disagreements();
    body.put("disagreements_kept", kept.size());
    kept.subList(Math.max(0, kept.size() - limit), kept.size())
        .forEach(d -> list.add(disagreement(d)));
    return body;
  }

  private static ObjectNode disagreement(ShadowRunner.Disagreement d) {
    ObjectNode node = Json.MAPPER.createObjectNode()
        .put("at", d.at().toString())
        .put("task_id", d.taskId())
        .put("tool", d.tool());
    ArrayNode differs = node.putArray("differs");
    d.differs().forEach(differs::add);
    node.set("active", answer(d.activeVersion(), d.active()));
    node.set("candidate", answer(d.candidateVersion(), d.candidate()));
    return node;
  }

  private static ObjectNode answer(String version, Evaluation e) {
    ObjectNode node = Json.MAPPER.createObjectNode()
        .put("policy_version", version)
        .put("verdict", e.verdict().wire())
        .put("tier", e.tier());
    node.set("reasons", DecisionRecord.reasons(e.reasons()));
    return node;
  }

  private static JsonNode failure(PolicyReloader.Failure failure) {
    if (failure == null) {
      return Json.MAPPER.nullNode();
    }
    ObjectNode node = Json.MAPPER.createObjectNode()
        .put("at", failure.at().toString())
        .put("trigger", failure.trigger());
    ArrayNode problems = node.putArray("problems");
    failure.problems().forEach(p -> problems.addObject()
        .put("file", p.file()).put("line", p.line()).put("message", p.message()));
    return node;
  }

  private static Throwable unwrapRejection(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof PolicyException e) {
      return rejected(e.problems());
    }
    return cause;
  }

  /** 422: the request was fine, the rules were not; every problem is in the message. */
  private static ApiException rejected(List<PolicyException.Problem> problems) {
    String listed = problems.stream().map(Object::toString).collect(Collectors.joining("; "));
    return new ApiException(422, "policy_rejected", "the rules were not activated: " + listed,
        null);
  }

  private static ObjectNode object(Buffer body) {
    if (body == null || body.length() == 0) {
      throw ApiException.badRequest("empty_body", null, "the request body is empty");
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body.getBytes());
    } catch (IOException e) {
      throw ApiException.badRequest("malformed_json", null, "the body is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw ApiException.badRequest("malformed_json", null, "the body must be a JSON object");
    }
    root.fieldNames().forEachRemaining(name -> {
      if (!SHADOW_FIELDS.contains(name)) {
        throw ApiException.badRequest("unknown_field", name, "unknown field '" + name + "'");
      }
    });
    return (ObjectNode) root;
  }

  private static String text(ObjectNode request, String field, boolean required) {
    JsonNode node = request.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        throw ApiException.badRequest("missing_field", field, field + " is required");
      }
      return null;
    }
    if (!node.isTextual() || node.asText().isBlank()) {
      throw ApiException.badRequest("invalid_field", field, field + " must be a path");
    }
    return node.asText();
  }

  private static Path path(String text, String field) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw ApiException.badRequest("invalid_field", field, field + " is not a valid path");
    }
  }

  private <T> Future<T> onContext(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
  }

  private static void send(RoutingContext ctx, int status, ObjectNode body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(Responses.json(body));
  }
}
