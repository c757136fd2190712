package dev.veto.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * One agent's connection to Veto, on java.net.http. {@link #action} and {@link #guard} run
 * the whole protocol around one tool call: decide, wait for an approver when asked, run the
 * tool only on allow, report the outcome.
 */
public final class Veto {

  private static final Logger log = Logger.getLogger(Veto.class.getName());

  /** A tool call; it may throw anything. */
  @FunctionalInterface
  public interface Tool<T> {
    T run(Action action) throws Exception;
  }

  /** One guarded call: its key and, once allowed, its decision. */
  public static final class Action {
    public final String tool;
    public final Map<String, Object> args;
    public final String taskId;
    public final String key;
    private Map<String, Object> decision;
    /** Set to report the model tokens this call spent. */
    public Long tokensUsed;

    Action(String tool, Map<String, Object> args, String taskId, String key) {
      this.tool = tool;
      this.args = args;
      this.taskId = taskId;
      this.key = key;
    }

    public Map<String, Object> decision() {
      return decision;
    }

    public String decisionId() {
      return decision == null ? null : (String) decision.get("decision_id");
    }
  }

  /** Per-call choices. */
  public record Options(String taskId, String key, boolean readOnly, boolean runInDoubt) {
    public static Options defaults() {
      return new Options(null, null, false, false);
    }

    public Options withTask(String task) {
      return new Options(task, key, readOnly, runInDoubt);
    }

    public Options withKey(String idempotencyKey) {
      return new Options(taskId, idempotencyKey, readOnly, runInDoubt);
    }

    /** A tier-0 read: may run unguarded when Veto is unreachable and failOpenReads is set. */
    public Options asReadOnly() {
      return new Options(taskId, key, true, runInDoubt);
    }

    /** Run even if this key's earlier allow is in doubt (you checked it did not happen). */
    public Options allowingInDoubt() {
      return new Options(taskId, key, readOnly, true);
    }
  }

  private final URI url;
  private final String token;
  private final String agentId;
  private final String taskId;
  private final Duration timeout;
  private final int retries;
  private final Duration approvalTimeout;
  private final boolean failOpenReads;
  private final HttpClient http;

  private Veto(Builder b) {
    this.url = URI.create(b.url.replaceAll("/$", ""));
    this.token = b.token;
    this.agentId = b.agentId;
    this.taskId = b.taskId;
    this.timeout = b.timeout;
    this.retries = b.retries;
    this.approvalTimeout = b.approvalTimeout;
    this.failOpenReads = b.failOpenReads;
    // HTTP/1.1: the JDK's default first tries an h2c upgrade on plain http, one more moving
    // part between an agent and its answer, for no gain on one small request at a time.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(b.timeout).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings; the defaults fail closed. */
  public static final class Builder {
    private String url = "http://127.0.0.1:8181";
    private String token;
    private String agentId = "agent";
    private String taskId;
    private Duration timeout = Duration.ofSeconds(10);
    private int retries = 3;
    private Duration approvalTimeout = Duration.ofMinutes(5);
    private boolean failOpenReads;

    public Builder url(String value) {
      url = value;
      return this;
    }

    public Builder token(String value) {
      token = value;
      return this;
    }

    public Builder agentId(String value) {
      agentId = value;
      return this;
    }

    public Builder taskId(String value) {
      taskId = value;
      return this;
    }

    public Builder timeout(Duration value) {
      timeout = value;
      return this;
    }

    /** Retries of decide and outcome reports, under the same key. */
    public Builder retries(int value) {
      retries = value;
      return this;
    }

    public Builder approvalTimeout(Duration value) {
      approvalTimeout = value;
      return this;
    }

    /** Let read-only calls run when Veto is unreachable. Off by default: refuse. */
    public Builder failOpenReads(boolean value) {
      failOpenReads = value;
      return this;
    }

    public Veto build() {
      return new Veto(this);
    }
  }

  /** No answer from Veto: connection refused, timeout, lost reply, 503. */
  private static final class Unreachable extends Exception {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The result of one decide: the decision, whether it was a replay, and whose. */
  public record Decided(Map<String, Object> decision, boolean replayed, boolean ours) {}

  // ---- the raw API ----------------------------------------------------------------------

  private record Reply(Map<String, Object> body, boolean replayed) {}

  private Reply call(String method, String path, Map<String, Object> body, Duration wait)
      throws Unreachable {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
        .timeout(timeout.plus(wait))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(Json.write(body)));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unreachable(String.valueOf(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted", e);
    }
    Map<String, Object> json;
    try {
      json = response.body().isEmpty() ? Map.of() : Json.object(response.body());
    } catch (IllegalArgumentException e) {
      json = Map.of();
    }
    int status = response.statusCode();
    if (status == 200) {
      return new Reply(json, "true".equals(response.headers()
          .firstValue("idempotent-replayed").orElse(null)));
    }
    String message = String.valueOf(json.getOrDefault("message", "HTTP " + status));
    if (status == 429 || status == 503) {
      // Rate limited, overloaded or briefly unable to write: retried under the same key.
      throw new Unreachable(message, null);
    }
    if (status == 500 && "refuse".equals(json.get("verdict"))) {
      throw new VetoException.Refused(message, reasons(json), null, null);
    }
    throw new VetoException.ApiError(status, String.valueOf(json.getOrDefault("code",
        "http_error")), message);
  }

  /**
   * POST /v1/decide, retried under the same key. {@code ours} is true when an earlier
   * attempt of this call got no reply, so a replay "in doubt" is this call's own attempt.
   */
  public Decided decide(String task, String tool, Map<String, Object> args, String key) {
    try {
      return decideOrUnreachable(task, tool, args, key);
    } catch (Unreachable e) {
      throw new VetoException.Unavailable("Veto could not be reached: " + e.getMessage(), e);
    }
  }

  private Decided decideOrUnreachable(String task, String tool, Map<String, Object> args,
      String key) throws Unreachable {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("task_id", task);
    body.put("agent_id", agentId);
    body.put("tool", tool);
    body.put("args", args);
    body.put("idempotency_key", key);
    boolean lost = false;
    Unreachable last = null;
    for (int attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        pause(Math.min(200L << attempt, 2000));
      }
      try {
        Reply reply = call("POST", "/v1/decide", body, Duration.ZERO);
        return new Decided(reply.body(), reply.replayed(), lost);
      } catch (Unreachable e) {
        lost = true;
        last = e;
        log.warning("veto: no answer to decide (attempt " + (attempt + 1) + "): "
            + e.getMessage());
      }
    }
    throw last;
  }

  /** GET /v1/decisions/{id}, waiting up to {@code wait} (at most 60 s) for a settle. */
  public Map<String, Object> decision(String decisionId, Duration wait) {
    try {
      return view(decisionId, wait);
    } catch (Unreachable e) {
      throw new VetoException.Unavailable("Veto could not be reached: " + e.getMessage(), e);
    }
  }

  private Map<String, Object> view(String decisionId, Duration wait) throws Unreachable {
    long seconds = Math.max(0, Math.min(wait.toSeconds(), 60));
    String path = "/v1/decisions/" + URLEncoder.encode(decisionId, StandardCharsets.UTF_8)
        + (seconds > 0 ? "?wait=" + seconds + "s" : "");
    return call("GET", path, null, Duration.ofSeconds(seconds)).body();
  }

  /** POST /v1/outcomes, retried; a report that never arrives leaves the action in doubt. */
  public boolean report(String decisionId, String status, Long tokensUsed) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("decision_id", decisionId);
    body.put("status", status);
    if (tokensUsed != null) {
      body.put("tokens_used", tokensUsed);
    }
    for (int attempt = 0; attempt <= retries; attempt++) {
      try {
        call("POST", "/v1/outcomes", body, Duration.ZERO);
        return true;
      } catch (Unreachable e) {
        pause(Math.min(200L << attempt, 2000));
      }
    }
    log.severe("veto: outcome " + status + " of " + decisionId + " never reached Veto");
    return false;
  }

  // ---- the guarded protocol -------------------------------------------------------------

  /** Runs {@code tool} only if Veto allows, and reports how it went. */
  public <T> T action(String toolName, Map<String, ?> args, Options options, Tool<T> tool) {
    String task = options.taskId() != null ? options.taskId() : taskId;
    if (task == null) {
      throw new IllegalArgumentException("no task id: pass Options.withTask or builder taskId");
    }
    Map<String, Object> copy = new LinkedHashMap<>(args);
    Action action = new Action(toolName, copy, task,
        options.key() != null ? options.key() : deriveKey(task, toolName, copy));
    try {
      action.decision = clear(action, options);
    } catch (Unreachable e) {
      if (options.readOnly() && failOpenReads) {
        log.warning("veto unreachable; running read-only " + toolName + " unguarded");
        return runUnguarded(tool, action);
      }
      throw new VetoException.Unavailable("Veto could not be reached, so " + toolName
          + " is refused: " + e.getMessage(), e);
    }
    T result;
    try {
      result = tool.run(action);
    } catch (Exception e) {
      report(action.decisionId(), uncertain(e) ? "unknown" : "failed", action.tokensUsed);
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new VetoException.ToolFailed(e, action.decision);
    } catch (Error e) {
      report(action.decisionId(), "failed", action.tokensUsed);
      throw e;
    }
    report(action.decisionId(), "succeeded", action.tokensUsed);
    return result;
  }

  public <T> T action(String toolName, Map<String, ?> args, Tool<T> tool) {
    return action(toolName, args, Options.defaults(), tool);
  }

  /** A function whose every call goes through {@link #action} with its argument map. */
  public <T> Function<Map<String, ?>, T> guard(String toolName, Options options,
      Function<Map<String, ?>, T> function) {
    return args -> action(toolName, args, options, action -> function.apply(args));
  }

  public <T> Function<Map<String, ?>, T> guard(String toolName,
      Function<Map<String, ?>, T> function) {
    return guard(toolName, Options.defaults(), function);
  }

  private static <T> T runUnguarded(Tool<T> tool, Action action) {
    try {
      return tool.run(action);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new VetoException.ToolFailed(e, null);
    }
  }

  private Map<String, Object> clear(Action action, Options options) throws Unreachable {
    long deadline = System.nanoTime() + approvalTimeout.toNanos();
    while (true) {
      Decided decided = decideOrUnreachable(action.taskId, action.tool, action.args,
          action.key);
      Map<String, Object> decision = decided.decision();
      if ("allow".equals(decision.get("verdict"))) {
        if (decided.replayed()) {
          checkReplay(decision, decided.ours() || options.runInDoubt());
        }
        return decision;
      }
      Map<String, Object> held = held(decision);
      if (held == null) {
        List<Map<String, Object>> reasons = reasons(decision);
        String first = reasons.isEmpty() ? "no reason given"
            : String.valueOf(reasons.get(0).get("message"));
        throw new VetoException.Refused(action.tool + " refused by Veto: " + first, reasons,
            decision, null);
      }
      // Wait, bounded, then propose again with the same key: Veto answers allow once if
      // approved, refuse if denied or expired.
      if (!awaitSettled((String) decision.get("decision_id"), deadline)) {
        throw new VetoException.ApprovalTimeout(action.tool + ": no approver answered within "
            + approvalTimeout.toSeconds() + " s (approval " + held.get("id") + "); call again"
            + " with the same key to go on waiting", reasons(decision), decision);
      }
    }
  }

  private boolean awaitSettled(String decisionId, long deadline) throws Unreachable {
    while (true) {
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMillis <= 0) {
        return false;
      }
      Map<String, Object> view = view(decisionId,
          Duration.ofMillis(Math.min(leftMillis, 30_000)));
      Map<String, Object> held = held(view);
      Object status = held == null ? null : held.get("status");
      if (!"pending".equals(status) && !"queued".equals(status)) {
        return true;
      }
      if (leftMillis < 1000) {
        pause(leftMillis);
      }
    }
  }

  private void checkReplay(Map<String, Object> decision, boolean mayRun) throws Unreachable {
    String id = (String) decision.get("decision_id");
    if ("unknown".equals(decision.get("outcome"))) {
      if (mayRun) {
        return; // our own attempt lost its reply: the tool cannot have run yet
      }
      throw new VetoException.InDoubt(id + ": allowed before and its outcome is unknown;"
          + " check whether it took effect", decision);
    }
    Object outcome = view(id, Duration.ZERO).get("outcome");
    throw new VetoException.AlreadyDone(id + " already ran under this key (outcome: "
        + outcome + "); use a new key to run it again", (String) outcome, decision);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> held(Map<String, Object> decision) {
    Object held = decision.get("approval") != null ? decision.get("approval")
        : decision.get("queue");
    return held instanceof Map ? (Map<String, Object>) held : null;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> reasons(Map<String, Object> decision) {
    Object reasons = decision.get("reasons");
    return reasons instanceof List ? (List<Map<String, Object>>) reasons : List.of();
  }

  /** Errors after which a tool may or may not have taken effect: reported "unknown". */
  static boolean uncertain(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof TimeoutException || e instanceof InterruptedIOException
          || e instanceof SocketException || e instanceof EOFException) {
        return true;
      }
    }
    return false;
  }

  /** The same logical call (task, tool, arguments) gets the same key on every retry. */
  public static String deriveKey(String task, String tool, Map<String, ?> args) {
    String canonical = Json.write(List.of(task, tool, sorted(args)));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(canonical.getBytes(StandardCharsets.UTF_8));
      return "java-" + HexFormat.of().formatHex(digest).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every JDK", e);
    }
  }

  private static Object sorted(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new TreeMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), sorted(v)));
      return out;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(Veto::sorted).toList();
    }
    return value;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
