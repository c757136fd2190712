package dev.veto.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.auth.AccessTable;
import dev.veto.auth.Caller;
import dev.veto.auth.Role;
import dev.veto.auth.TokenFile;
import dev.veto.decision.Decision;
import dev.veto.decision.DecisionException;
import dev.veto.decision.DecisionService;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerCorruptException;
import dev.veto.ledger.LedgerUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Veto's HTTP API: routes, request limits, and the one failure handler that maps every error
 * to a status and a small JSON body {@code {code, message, field?}}, never a stack trace.
 *
 * <p>Handlers run on the event loop and only parse, validate and serialise; the decision
 * itself runs on the decision service's executor and the ledger's appender thread.
 */
public final class ApiServer {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final String JSON = "application/json";
  static final String REPLAYED_HEADER = "idempotent-replayed";
  private static final String CALLER = "veto.caller";

  private final Vertx vertx;
  private final DecisionService decisions;
  private final Ledger ledger;
  private final ApiOptions options;
  private final PrometheusMeterRegistry metrics;
  private final Timer decideLatency;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final TokenFile tokens;
  private final Clock clock;
  private final AgentRateLimit rateLimit;
  private final PolicyApi policyApi;

  /**
   * @param tokens the operator's bearer tokens, or null for the open development mode
   * @param policyApi the /v1/policy routes, or null to leave them out
   */
  public ApiServer(Vertx vertx, DecisionService decisions, Ledger ledger,
      PrometheusMeterRegistry metrics, ApiOptions options, TokenFile tokens, Clock clock,
      PolicyApi policyApi) {
    this.policyApi = policyApi;
    this.vertx = vertx;
    this.decisions = decisions;
    this.ledger = ledger;
    this.metrics = metrics;
    this.options = options;
    this.tokens = tokens;
    this.clock = clock;
    this.rateLimit = AgentRateLimit.of(options.rateLimitPerSecond());
    this.decideLatency = Timer.builder("veto.decide.latency")
        .description("time from a decide request's body to its answer")
        .publishPercentileHistogram()
        .register(metrics);
  }

  /**
   * Starts listening; completes with the bound port. One server is created per event loop on
   * the same port (Vert.x hands connections round-robin to servers sharing a port): a single
   * server created outside a verticle would run every connection on one event loop.
   */
  public Future<Integer> start() {
    // Port 0 asks for any free port; Vert.x shares one random port among the servers that
    // ask for the same negative port.
    int port = options.port() == 0 ? -1 : options.port();
    List<Future<Integer>> listening = new ArrayList<>();
    for (int i = 0; i < options.eventLoops(); i++) {
      listening.add(listen(port));
    }
    return Future.all(listening).map(all -> listening.get(0).result());
  }

  private Future<Integer> listen(int port) {
    HttpServerOptions serverOptions = new HttpServerOptions()
        .setSsl(options.tls())
        .setHost(options.host())
        .setPort(port)
        .setMaxHeaderSize(options.maxHeaderBytes())
        .setMaxInitialLineLength(4096)
        // A client that sends nothing for this long is cut off, so slow or stuck clients
        // cannot hold connections open without end.
        .setIdleTimeout(options.idleTimeoutSeconds());
    if (options.tls()) {
      serverOptions.setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(options.tlsCert().toString())
          .setKeyPath(options.tlsKey().toString()));
    }
    HttpServer server = vertx.createHttpServer(serverOptions)
        .requestHandler(router())
        .invalidRequestHandler(ApiServer::invalidRequest);
    servers.add(server);
    return server.listen().map(HttpServer::actualPort);
  }

  public Future<Void> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    for (HttpServer server : servers) {
      closing.add(server.close());
    }
    return Future.all(closing).mapEmpty();
  }

  private Router router() {
    Router router = Router.router(vertx);
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(options.maxBodyBytes());

    // One answer for a bad % escape wherever it is, before any handler reads (or ignores) it.
    router.route().handler(this::rejectMalformedUri);
    router.route("/v1/*").handler(this::authorize);
    // The content type is checked by RequestReader (case-insensitive, as HTTP says), not by
    // the router's consumes(), which compares it case-sensitively.
    router.post("/v1/decide").handler(bodies).handler(this::decide);
    router.post("/v1/outcomes").handler(bodies).handler(this::outcome);
    new LifecycleApi(vertx, decisions, (ctx, body) -> send(ctx, 200, Responses.json(body)))
        .mount(router, bodies);
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(this::metrics);
    if (policyApi != null) {
      policyApi.mount(router);
    }
    new LedgerApi(vertx, ledger).mount(router);
    new WebApi().mount(router);

    router.route().failureHandler(this::failed);
    for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
      router.errorHandler(status, this::failed);
    }
    return router;
  }

  /**
   * Every /v1 request: who is calling (401 without a valid token), whether the endpoint
   * exists (404, 405), and whether the caller's roles may call it (403). The token itself is
   * never logged or echoed.
   */
  private void authorize(RoutingContext ctx) {
    Caller caller = authenticate(ctx);
    String path = ctx.normalizedPath();
    String method = ctx.request().method().name();
    if (!AccessTable.knowsPath(path)) {
      throw new ApiException(404, "not_found", "no such endpoint", null);
    }
    AccessTable.Row row = AccessTable.find(method, path).orElseThrow(() ->
        new ApiException(405, "method_not_allowed", "this endpoint does not take " + method,
            null));
    if (row.roles().stream().noneMatch(caller::has)) {
      throw new ApiException(403, "forbidden", "this token's roles " + roleNames(caller)
          + " may not call " + method + " " + path, null);
    }
    ctx.put(CALLER, caller);
    ctx.next();
  }

  private Caller authenticate(RoutingContext ctx) {
    if (tokens == null) {
      return Caller.OPEN;
    }
    String header = ctx.request().getHeader("authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ctx.response().putHeader("www-authenticate", "Bearer realm=\"veto\"");
      throw new ApiException(401, "unauthenticated",
          "send a bearer token: Authorization: Bearer <token>", "authorization");
    }
    return tokens.authenticate(header.substring(7).trim(), clock.instant()).orElseThrow(() -> {
      ctx.response().putHeader("www-authenticate",
          "Bearer realm=\"veto\", error=\"invalid_token\"");
      return new ApiException(401, "unauthenticated",
          "the bearer token is unknown or expired", "authorization");
    });
  }

  private static String roleNames(Caller caller) {
    return caller.roles().stream().map(Role::wire).sorted().toList().toString();
  }

  static Caller caller(RoutingContext ctx) {
    Caller caller = ctx.get(CALLER);
    return caller == null ? Caller.OPEN : caller;
  }

  /** An agent's token speaks for one agent: a body claiming another is refused. */
  private static void checkAgent(RoutingContext ctx, String claimed) {
    Caller caller = caller(ctx);
    if (!caller.mayActFor(claimed)) {
      throw new ApiException(403, "agent_mismatch", "this token speaks for agent '"
          + caller.agentId() + "', not for the agent_id in the body", "agent_id");
    }
  }

  private void decide(RoutingContext ctx) {
    RequestReader.checkContentType(ctx.request().getHeader("content-type"));
    var proposal = RequestReader.proposal(body(ctx));
    checkAgent(ctx, proposal.agentId());
    if (!rateLimit.tryAcquire(proposal.agentId())) {
      ctx.response().putHeader("retry-after",
          String.valueOf(AgentRateLimit.PERIOD.toSeconds()));
      sendRefusal(ctx, 429, "rate_limited", "agent '" + proposal.agentId() + "' sent more than "
          + options.rateLimitPerSecond() + " proposals this second; retry after the"
          + " Retry-After header's seconds with the same idempotency key");
      return;
    }
    long started = System.nanoTime();
    long timer = vertx.setTimer(options.decisionTimeoutMillis(), id -> timedOut(ctx));
    onContext(decisions.decide(proposal)).onComplete(result -> {
      vertx.cancelTimer(timer);
      decideLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      try {
        if (result.succeeded()) {
          answer(ctx, result.result());
        } else {
          decideFailed(ctx, result.cause());
        }
      } catch (RuntimeException e) {
        // The timer is gone: whatever failed here, the agent still gets a refusal.
        decideFailed(ctx, e);
      }
    });
  }

  private void answer(RoutingContext ctx, Decision decision) {
    if (decision.replayed()) {
      // Same body byte for byte; the header tells the agent nothing new was decided or charged.
      ctx.response().putHeader(REPLAYED_HEADER, "true");
    }
    send(ctx, 200, Responses.decision(decision));
  }

  private void outcome(RoutingContext ctx) {
    RequestReader.checkContentType(ctx.request().getHeader("content-type"));
    var outcome = RequestReader.outcome(body(ctx));
    onContext(decisions.recordOutcome(outcome, caller(ctx).agentId()))
        .onSuccess(receipt -> send(ctx, 200, Responses.outcome(receipt)))
        .onFailure(failure -> outcomeFailed(ctx, failure));
  }

  private void health(RoutingContext ctx) {
    boolean ready = decisions.policy() != null && ledger.writable();
    ObjectNode body = Json.MAPPER.createObjectNode()
        .put("status", ready ? "ok" : "unavailable")
        .put("policy_version", decisions.policy() == null ? null : decisions.policy().version())
        .put("ledger_writable", ledger.writable())
        .put("auth", tokens == null ? "open" : "tokens")
        .put("ledger_seq", ledger.lastSeq());
    send(ctx, ready ? 200 : 503, Responses.json(body));
  }

  /** Prometheus text format, for operators' scrapers. */
  private void metrics(RoutingContext ctx) {
    ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape());
  }

  private <T> Future<T> onContext(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
  }

  static byte[] body(RoutingContext ctx) {
    Buffer buffer = ctx.body() == null ? null : ctx.body().buffer();
    return buffer == null ? new byte[0] : buffer.getBytes();
  }

  private void timedOut(RoutingContext ctx) {
    log.atWarn().setMessage("decision not answered in time; refusing")
        .addKeyValue("timeout_ms", options.decisionTimeoutMillis()).log();
    sendRefusal(ctx, 503, "timeout",
        "Veto could not decide in time; the action is refused. Retry with the same key.");
  }

  private void decideFailed(RoutingContext ctx, Throwable failure) {
    Throwable cause = unwrap(failure);
    LedgerCorruptException corrupt = corruption(cause);
    if (cause instanceof DecisionException rejected) {
      sendRejected(ctx, rejected);
    } else if (cause instanceof LedgerUnavailableException) {
      sendRefusal(ctx, 503, "ledger_unavailable",
          "the ledger cannot be written, so nothing can be allowed; the action is refused");
    } else if (corrupt != null) {
      // A recorded decision read back for a retry no longer matches what was signed.
      logCorruption(corrupt);
      sendRefusal(ctx, 500, "ledger_corrupt", "the recorded decision for this idempotency key"
          + " does not match the signed ledger; the action is refused (run veto verify)");
    } else {
      log.atError().setMessage("decision failed inside Veto; refusing")
          .addKeyValue("error", String.valueOf(cause)).log();
      sendRefusal(ctx, 500, "internal_error",
          "Veto failed while deciding; the action is refused");
    }
  }

  private void outcomeFailed(RoutingContext ctx, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof DecisionException rejected) {
      sendRejected(ctx, rejected);
    } else if (cause instanceof LedgerUnavailableException) {
      sendError(ctx, 503, "ledger_unavailable",
          "the ledger cannot be written; the outcome was not recorded, report it again", null);
    } else {
      log.atError().setMessage("outcome failed inside Veto")
          .addKeyValue("error", String.valueOf(cause)).log();
      sendError(ctx, 500, "internal_error", "the outcome was not recorded", null);
    }
  }

  private void sendRejected(RoutingContext ctx, DecisionException rejected) {
    int status = switch (rejected.kind()) {
      case UNKNOWN_DECISION, NOT_FOUND -> 404;
      case IDEMPOTENCY_CONFLICT, OUTCOME_CONFLICT, OUTCOME_NOT_ALLOWED, ALREADY_SETTLED -> 409;
      case OVERLOADED -> 503;
    };
    String code = rejected.kind().name().toLowerCase(java.util.Locale.ROOT);
    if (status == 503) {
      sendRefusal(ctx, status, code, rejected.getMessage());
    } else {
      sendError(ctx, status, code, rejected.getMessage(), rejected.field());
    }
  }

  private void rejectMalformedUri(RoutingContext ctx) {
    String uri = ctx.request().uri();
    if (uri.indexOf('%') >= 0 && (isMalformedUri(uri) || !escapesAreUtf8(uri))) {
      sendMalformedUri(ctx);
      return;
    }
    ctx.next();
  }

  private void sendMalformedUri(RoutingContext ctx) {
    sendError(ctx, 400, "malformed_uri",
        "the request URI is malformed (a bad % escape or a character not allowed)", null);
  }

  /** The single place where failures become HTTP answers. */
  private void failed(RoutingContext ctx) {
    Throwable failure = ctx.failure() == null ? null : unwrap(ctx.failure());
    boolean decoding = failure == null || failure instanceof IllegalArgumentException;
    if (decoding && isMalformedUri(ctx.request().uri())) {
      sendMalformedUri(ctx);
      return;
    }
    if (failure instanceof ApiException api) {
      sendError(ctx, api.status(), api.code(), api.getMessage(), api.field());
      return;
    }
    if (failure instanceof DecisionException rejected) {
      sendRejected(ctx, rejected);
      return;
    }
    if (failure instanceof LedgerUnavailableException) {
      sendError(ctx, 503, "ledger_unavailable",
          "the ledger cannot be written; nothing was changed, try again later", null);
      return;
    }
    LedgerCorruptException corrupt = corruption(failure);
    if (corrupt != null) {
      logCorruption(corrupt);
      sendError(ctx, 500, "ledger_corrupt", "a ledger entry read back no longer matches what"
          + " was signed; run veto verify", null);
      return;
    }
    if (ctx.request().decoderResult().isFailure() || fromHttpDecoder(failure)) {
      // Bad framing (a chunk size that is not hex, say): the caller's mistake, not ours.
      // Netty has usually closed the connection already; then only the counter sees it.
      send(ctx, 400, Responses.error("bad_request", "the request's body framing is malformed",
          null));
      countError(400, "bad_request");
      return;
    }

    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    switch (status) {
      case 404 -> sendError(ctx, 404, "not_found", "no such endpoint", null);
      case 405 -> sendError(ctx, 405, "method_not_allowed",
          "this endpoint does not take " + ctx.request().method(), null);
      case 413 -> sendError(ctx, 413, "body_too_large",
          "the body is larger than " + options.maxBodyBytes() + " bytes", null);
      case 415 -> sendError(ctx, 415, "unsupported_media_type",
          "send the body as application/json", "content-type");
      case 400 -> sendError(ctx, 400, "bad_request", "the request is malformed", null);
      default -> internalError(ctx, failure);
    }
  }

  private void internalError(RoutingContext ctx, Throwable failure) {
    // The raw path without its query string: a caller may have put a token in the query.
    String path = ctx.request().path();
    if (ctx.response().closed()) {
      // The client went away mid-request (or was cut off as idle): nothing failed in Veto.
      log.atDebug().setMessage("client closed the connection before the answer")
          .addKeyValue("path", path).log();
      return;
    }
    log.atError().setMessage("request failed inside Veto")
        .addKeyValue("path", path)
        .addKeyValue("error", failure == null ? "none" : failure.getClass().getName()).log();
    if ("/v1/decide".equals(path)) {
      sendRefusal(ctx, 500, "internal_error", "Veto failed; the action is refused");
    } else {
      sendError(ctx, 500, "internal_error", "Veto failed while handling the request", null);
    }
  }

  /**
   * Requests HTTP itself could not decode (request line or headers too long, bad framing):
   * answered in the same JSON error format as everything else, then the connection closes.
   */
  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status = 400;
    String code = "bad_request";
    String message = "the HTTP request is malformed";
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = "uri_too_long";
      message = "the request line is too long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = "headers_too_large";
      message = "the request headers are too large";
    }
    request.response()
        .setStatusCode(status)
        .putHeader("content-type", JSON)
        .putHeader("connection", "close")
        .end(Responses.error(code, message, null));
  }

  /** Sends the answer unless one was already sent (a timeout may have answered first). */
  private static boolean send(RoutingContext ctx, int status, Buffer body) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return false;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", JSON)
        .putHeader("cache-control", "no-store")
        .end(body);
    return true;
  }

  private void sendError(RoutingContext ctx, int status, String code, String message,
      String field) {
    if (send(ctx, status, Responses.error(code, message, field))) {
      countError(status, code);
    }
  }

  /** An error of the decide path: its body also says {@code verdict: refuse}. */
  private void sendRefusal(RoutingContext ctx, int status, String code, String message) {
    if (send(ctx, status, Responses.refusal(code, message))) {
      countError(status, code);
    }
  }

  /** Every refusal and rejection has a counter, by status and stable code. */
  private void countError(int status, String code) {
    Counter.builder("veto.http.errors")
        .description("requests rejected or refused at the HTTP edge, by status and code")
        .tags("status", String.valueOf(status), "code", code).register(metrics).increment();
  }

  /**
   * A bad % escape in the path or the query fails Vert.x's decoding inside a handler or the
   * router: that is the caller's mistake, a 400, whatever threw.
   */
  /**
   * Whether uri's % escapes decode to valid UTF-8: java.net.URI checks only their syntax, and
   * a lenient decoder would turn %C3%28 into a replacement character that then names nothing.
   */
  private static boolean escapesAreUtf8(String uri) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(uri.length());
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '%' && i + 2 < uri.length()) {
        bytes.write(HexFormat.fromHexDigits(uri, i + 1, i + 3));
        i += 2;
      } else {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray()));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static boolean isMalformedUri(String uri) {
    try {
      new java.net.URI(uri);
      return false;
    } catch (java.net.URISyntaxException e) {
      return true;
    }
  }

  /** Whether failure was thrown while Netty decoded the request's bytes. */
  private static boolean fromHttpDecoder(Throwable failure) {
    if (failure == null) {
      return false;
    }
    for (StackTraceElement frame : failure.getStackTrace()) {
      if (frame.getClassName().startsWith("io.netty.handler.codec.http.")) {
        return true;
      }
    }
    return false;
  }

  /** The LedgerCorruptException behind failure (an UncheckedIOException, say), or null. */
  private static LedgerCorruptException corruption(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof LedgerCorruptException corrupt) {
        return corrupt;
      }
    }
    return null;
  }

  private void logCorruption(LedgerCorruptException corrupt) {
    log.atError().setMessage("ledger entry altered since it was signed; refusing to serve it")
        .addKeyValue("seq", corrupt.seq()).addKeyValue("problem", corrupt.problem()).log();
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
