package dev.veto.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The guarded protocol end to end against the real Veto jar (no mocks). */
class GuardTest {

  private static VetoProcess server;

  @BeforeAll
  static void start() throws Exception {
    server = new VetoProcess();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static Veto.Builder veto(String task) {
    return Veto.builder().url(server.url).token(server.token("agent-1")).agentId("agent-1")
        .taskId(task);
  }

  /** An approver elsewhere: settles the first pending approval of {@code tool}. */
  @SuppressWarnings("unchecked")
  private static CompletableFuture<Void> settleWhenPending(String tool, String decision) {
    return CompletableFuture.runAsync(() -> {
      try {
        for (int i = 0; i < 200; i++) {
          var items = (List<Map<String, Object>>) server.call("GET",
              "/v1/approvals?status=pending", server.token("alice"), null).get("items");
          for (Map<String, Object> item : items) {
            if (tool.equals(item.get("tool"))) {
              server.call("POST", "/v1/approvals/" + item.get("id"), server.token("alice"),
                  "{\"decision\":\"" + decision + "\",\"comment\":\"from the test\"}");
              return;
            }
          }
          Thread.sleep(100);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static Object outcomeOf(String decisionId) throws Exception {
    return server.call("GET", "/v1/decisions/" + decisionId, server.token("alice"), null)
        .get("outcome");
  }

  @Test
  void aReadRuns() {
    Function<Map<String, ?>, String> read = veto("t-read").build()
        .guard("get_user_details", args -> "user " + args.get("id"));
    assertEquals("user u-1", read.apply(Map.of("id", "u-1")));
  }

  @Test
  void anApprovedTransferRunsOnceAndARetryDoesNotRunItAgain() {
    List<Object> runs = new CopyOnWriteArrayList<>();
    Function<Map<String, ?>, String> transfer = veto("t-approve")
        .approvalTimeout(Duration.ofSeconds(30)).build()
        .guard("BankManagerTransferFunds", args -> {
          runs.add(args.get("amount"));
          return "sent";
        });
    CompletableFuture<Void> approver = settleWhenPending("BankManagerTransferFunds", "approve");
    assertEquals("sent", transfer.apply(Map.of("amount", 5)));
    approver.join();
    assertEquals(List.of(5), runs);
    var done = assertThrows(VetoException.AlreadyDone.class,
        () -> transfer.apply(Map.of("amount", 5)));
    assertEquals("succeeded", done.outcome());
    assertEquals(List.of(5), runs);
  }

  @Test
  void aDeniedApprovalIsRefusedWithTheReasons() {
    Veto veto = veto("t-deny").approvalTimeout(Duration.ofSeconds(30)).build();
    settleWhenPending("delete_account", "deny");
    var refused = assertThrows(VetoException.Refused.class, () ->
        veto.action("delete_account", Map.of("user", "u-9"), a -> fail("must not run")));
    assertTrue(refused.rules().contains("veto.approval_denied"), refused.rules().toString());
  }

  @Test
  void anUnansweredApprovalTimesOut() {
    Veto veto = veto("t-wait").approvalTimeout(Duration.ofSeconds(1)).build();
    assertThrows(VetoException.ApprovalTimeout.class, () ->
        veto.action("cancel_reservation", Map.of("id", "R-1"), a -> fail("must not run")));
  }

  @Test
  void aLostReplyIsRetriedUnderTheSameKeyAndTheToolRunsOnce() throws Exception {
    AtomicInteger drop = new AtomicInteger(1);
    HttpServer proxy = losingProxy(drop);
    try {
      Veto veto = veto("t-lost").url("http://127.0.0.1:" + proxy.getAddress().getPort())
          .build();
      List<String> runs = new CopyOnWriteArrayList<>();
      veto.action("update_address", Map.of("street", "Main 1"), a -> runs.add(a.decisionId()));
      assertEquals(1, runs.size());
      assertEquals(0, drop.get(), "the proxy dropped a reply");
      assertEquals("succeeded", outcomeOf(runs.get(0)));
    } finally {
      proxy.stop(0);
    }
  }

  @Test
  void anAllowWhoseOutcomeWasNeverReportedIsInDoubtForANewAttempt() {
    Veto veto = veto("t-doubt").build();
    var decided = veto.decide("t-doubt", "update_address", Map.of("s", "x"), "k-doubt");
    assertEquals("allow", decided.decision().get("verdict"));
    assertThrows(VetoException.InDoubt.class, () -> veto.action("update_address",
        Map.of("s", "x"), Veto.Options.defaults().withKey("k-doubt"), a -> fail("no")));
  }

  @Test
  void aFailingToolReportsFailedAndATimeoutReportsUnknown() throws Exception {
    Veto veto = veto("t-fail").build();
    String[] ids = new String[2];
    assertThrows(IllegalStateException.class, () -> veto.action("update_address",
        Map.of("case", "failed"), a -> {
          ids[0] = a.decisionId();
          throw new IllegalStateException("bad");
        }));
    var wrapped = assertThrows(VetoException.ToolFailed.class, () -> veto.action(
        "update_address", Map.of("case", "timeout"), a -> {
          ids[1] = a.decisionId();
          throw new TimeoutException("slow");
        }));
    assertTrue(wrapped.getCause() instanceof TimeoutException);
    assertEquals("failed", outcomeOf(ids[0]));
    assertEquals("unknown", outcomeOf(ids[1]));
  }

  @Test
  void anUnreachableVetoRefusesUnlessReadsMayProceed() throws Exception {
    String nowhere = "http://127.0.0.1:" + VetoProcess.freePort();
    Veto closed = Veto.builder().url(nowhere).taskId("t").retries(1).build();
    assertThrows(VetoException.Unavailable.class, () -> closed.action("get_user_details",
        Map.of("id", 1), Veto.Options.defaults().asReadOnly(), a -> fail("must not run")));
    Veto reads = Veto.builder().url(nowhere).taskId("t").retries(0).failOpenReads(true)
        .build();
    assertEquals("ran", reads.action("get_user_details", Map.of("id", 1),
        Veto.Options.defaults().asReadOnly(), a -> "ran"));
    assertThrows(VetoException.Unavailable.class, () -> reads.action(
        "BankManagerTransferFunds", Map.of("amount", 1), a -> fail("only reads")));
  }

  /** Forwards to Veto but drops the reply of the next {@code drop} decide calls. */
  private static HttpServer losingProxy(AtomicInteger drop) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder forward = HttpRequest.newBuilder(
          URI.create(server.url + exchange.getRequestURI()))
          .method(exchange.getRequestMethod(), body.length == 0
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      for (String name : List.of("authorization", "content-type")) {
        String value = exchange.getRequestHeaders().getFirst(name);
        if (value != null) {
          forward.header(name, value);
        }
      }
      HttpResponse<byte[]> answer;
      try {
        answer = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      if (exchange.getRequestURI().getPath().equals("/v1/decide")
          && drop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        // Veto decided; the agent never hears it: the connection closes with no answer.
        exchange.close();
        return;
      }
      answer.headers().firstValue("content-type").ifPresent(v ->
          exchange.getResponseHeaders().set("content-type", v));
      answer.headers().firstValue("idempotent-replayed").ifPresent(v ->
          exchange.getResponseHeaders().set("idempotent-replayed", v));
      exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
      exchange.getResponseBody().write(answer.body());
      exchange.close();
    });
    proxy.start();
    return proxy;
  }
}
