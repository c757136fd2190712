package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets a clear 4xx with a JSON body naming what is wrong, never a stack trace or a
 * 500, and writes nothing to the ledger.
 */
class BadInputTest {

  private static final String OK = "\"task_id\":\"t\",\"agent_id\":\"a\",\"tool\":\"get_x\"";

  @TempDir
  static Path data;

  private static VetoFixture veto;

  @BeforeAll
  static void start() {
    veto = VetoFixture.start(data);
  }

  @AfterAll
  static void stop() {
    veto.close();
  }

  static Stream<Arguments> badProposals() {
    return Stream.of(
        row("malformed JSON", "{\"task_id\": ", 400, "malformed_json", null),
        row("truncated JSON", "{" + OK + ",\"args\":{\"a\":1", 400, "malformed_json", null),
        row("not an object", "[1,2,3]", 400, "malformed_json", null),
        row("empty body", "", 400, "empty_body", null),
        row("trailing garbage", "{" + OK + "} {}", 400, "malformed_json", null),
        row("missing task_id", "{\"agent_id\":\"a\",\"tool\":\"t\"}", 400, "missing_field",
            "task_id"),
        row("missing tool", "{\"task_id\":\"t\",\"agent_id\":\"a\"}", 400, "missing_field",
            "tool"),
        row("empty tool", "{\"task_id\":\"t\",\"agent_id\":\"a\",\"tool\":\"  \"}", 400,
            "invalid_field", "tool"),
        row("tool is a number", "{\"task_id\":\"t\",\"agent_id\":\"a\",\"tool\":7}", 400,
            "invalid_field", "tool"),
        row("args is a list", "{" + OK + ",\"args\":[1]}", 400, "invalid_field", "args"),
        row("step is text", "{" + OK + ",\"step\":\"one\"}", 400, "invalid_field", "step"),
        row("negative step", "{" + OK + ",\"step\":-1}", 400, "invalid_field", "step"),
        row("fractional tokens", "{" + OK + ",\"tokens_used\":1.5}", 400, "invalid_field",
            "tokens_used"),
        row("unknown field", "{" + OK + ",\"idempotency-key\":\"k\"}", 400, "unknown_field",
            "idempotency-key"),
        row("duplicate key", "{" + OK + ",\"tool\":\"delete_all\"}", 400, "duplicate_key",
            "tool"),
        row("integer beyond 2^53", "{" + OK + ",\"args\":{\"amount\":9007199254740993}}", 400,
            "number_not_exact", "args.amount"),
        row("decimal beyond double", "{" + OK + ",\"args\":{\"amount\":0.10000000000000000001}}",
            400, "number_not_exact", "args.amount"),
        row("huge exponent", "{" + OK + ",\"args\":{\"x\":1e400}}", 400, "number_not_exact",
            "args.x"),
        row("number with 1000 digits", "{" + OK + ",\"args\":{\"x\":" + "9".repeat(1000) + "}}",
            400, "limit_exceeded", null),
        row("args nested 20 deep", "{" + OK + ",\"args\":" + nested(20) + "}", 400, "too_deep",
            null),
        row("body nested 100 deep", "{" + OK + ",\"args\":" + nested(100) + "}", 400,
            "limit_exceeded", null),
        row("control character in id", "{\"task_id\":\"t\\u0000\",\"agent_id\":\"a\","
            + "\"tool\":\"x\"}", 400, "invalid_field", "task_id"),
        row("lone surrogate in args", "{" + OK + ",\"args\":{\"s\":\"\\ud800\"}}", 400,
            "invalid_field", "args.s"),
        row("exponent too large to parse", "{" + OK + ",\"args\":{\"x\":1e99999999999999999999}}",
            400, null, null),
        row("step beyond 2^53", "{" + OK + ",\"step\":9007199254740993}", 400, "invalid_field",
            "step"));
  }

  private static Arguments row(String name, String body, int status, String code, String field) {
    return Arguments.of(name, body, status, code, field);
  }

  private static String nested(int depth) {
    return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badProposals")
  void badProposal_gets4xxNamingTheProblem_andWritesNothing(
      String name, String body, int status, String code, String field) {
    long seqBefore = veto.ledgerSeq();

    Reply reply = veto.post("/v1/decide", body);

    assertThat(reply.status()).as(name).isEqualTo(status);
    if (code != null) {
      assertThat(reply.json().path("code").asText()).as(name).isEqualTo(code);
    }
    assertThat(reply.json().path("message").asText()).as(name).isNotBlank();
    if (field != null) {
      assertThat(reply.json().path("field").asText()).as(name).isEqualTo(field);
    }
    assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(veto.ledgerSeq()).as(name).isEqualTo(seqBefore);
  }

  @Test
  void invalidUtf8_isRejectedAs400() {
    byte[] body = ("{" + OK + ",\"args\":{\"s\":\"x\"}}").getBytes(StandardCharsets.UTF_8);
    body[body.length - 4] = (byte) 0xC3;

    Reply reply = veto.postBytes("/v1/decide", body);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().path("code").asText()).isEqualTo("malformed_json");
  }

  @Test
  void overlongUtf8_isRejected_notReadAsAnotherCharacter() {
    byte[] body = ("{\"task_id\":\"t\",\"agent_id\":\"a\",\"tool\":\"XXet_user_details\"}")
        .getBytes(StandardCharsets.UTF_8);
    int at = new String(body, StandardCharsets.UTF_8).indexOf("XX");
    body[at] = (byte) 0xC1;
    body[at + 1] = (byte) 0xA7;

    Reply reply = veto.postBytes("/v1/decide", body);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().path("message").asText()).contains("UTF-8");
  }

  @Test
  void byteOrderMark_isRejected() {
    Reply reply = veto.post("/v1/decide", "\uFEFF" + Proposals.of("get_x"));

    assertThat(reply.status()).isEqualTo(400);
  }

  @Test
  void anotherCharsetOrAWildcardType_is415() {
    String body = Proposals.of("get_x").toString();

    assertThat(veto.post("/v1/decide", body, "application/json; charset=iso-8859-1").status())
        .isEqualTo(415);
    assertThat(veto.post("/v1/decide", body, "*/*").status()).isEqualTo(415);
    assertThat(veto.post("/v1/decide", body, "application/json; charset=UTF-8").status())
        .isEqualTo(200);
  }

  @Test
  void requestLineTooLong_is414WithAJsonBody() throws IOException {
    String request = "GET /v1/" + "x".repeat(5000) + " HTTP/1.1\r\nHost: veto\r\n\r\n";

    String reply;
    try (Socket socket = new Socket("127.0.0.1", veto.port())) {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    assertThat(reply).startsWith("HTTP/1.").contains(" 414 ").contains("\"code\":\"uri_too_long\"");
  }

  @Test
  void badChunkFraming_is400Json_notAnInternalError() throws IOException {
    for (String path : new String[] {"/v1/decide", "/v1/outcomes"}) {
      String request = "POST " + path + " HTTP/1.1\r\nHost: veto\r\n"
          + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "zz\r\n{}\r\n0\r\n\r\n";

      String reply;
      try (Socket socket = new Socket("127.0.0.1", veto.port())) {
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      }

      // Netty closes the connection on bad framing, so there may be no answer to read; if
      // there is one, it is a 400.
      assertThat(reply).as(path).satisfiesAnyOf(r -> assertThat(r).isEmpty(),
          r -> assertThat(r).startsWith("HTTP/1.1 400").contains("\"code\":\"bad_request\""));
    }
    String metrics = veto.get("/metrics").body();
    assertThat(metrics).doesNotContain("code=\"internal_error\"")
        .containsPattern("veto_http_errors_total\\{code=\"bad_request\",status=\"400\"} [1-9]");
  }

  @Test
  void jacksonInternals_neverReachTheCaller() {
    Reply trailing = veto.post("/v1/decide", "{" + OK + "}{}");
    Reply nan = veto.post("/v1/decide", "{" + OK + ",\"args\":{\"x\":NaN}}");

    assertThat(trailing.json().path("message").asText()).doesNotContain("`")
        .doesNotContain("com.fasterxml");
    assertThat(nan.status()).isEqualTo(400);
    assertThat(nan.json().path("message").asText()).doesNotContain("`")
        .doesNotContain("JsonReadFeature");
  }

  @Test
  void wrongContentType_is415() {
    Reply reply = veto.post("/v1/decide", Proposals.of("get_x").toString(), "text/plain");

    assertThat(reply.status()).isEqualTo(415);
    assertThat(reply.json().path("code").asText()).isEqualTo("unsupported_media_type");
  }

  @Test
  void bodyOverTheLimit_is413() {
    String huge = "{" + OK + ",\"args\":{\"s\":\"" + "x".repeat(2 << 20) + "\"}}";

    Reply reply = veto.post("/v1/decide", huge);

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.json().path("code").asText()).isEqualTo("body_too_large");
  }

  @Test
  void unknownPath_is404Json_andWrongMethod_is405Json() {
    assertThat(veto.get("/v1/nothing").status()).isEqualTo(404);
    assertThat(veto.get("/v1/decide").status()).isEqualTo(405);
    assertThat(veto.get("/v1/decide").json().path("code").asText())
        .isEqualTo("method_not_allowed");
  }

  @Test
  void badOutcomeStatus_is400NamingStatus() {
    Reply reply = veto.post("/v1/outcomes", "{\"decision_id\":\"d\",\"status\":\"maybe\"}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().path("field").asText()).isEqualTo("status");
  }

  @Test
  void afterAllTheBadInput_theServerStillDecides() {
    Reply reply = veto.decide(Proposals.of("get_user_details"));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().path("verdict").asText()).isEqualTo("allow");
  }

  @Test
  void malformedEscapesInPathOrQuery_are400Json_neverA5xx() {
    for (String path : new String[] {"/%zz", "/v1/decisions/a%zz", "/v1/decisions/x?wait=%zz",
        "/v1/policy/shadow?limit=%zz", "/v1/approvals?status=%zz", "/ui/%zz",
        "/metrics?x=%zz", "/health?x=%2", "/v1/ledger/entries?from=%zz",
        "/v1/tasks/%C3%28", "/v1/decisions/%C0%AF", "/v1/approvals?status=%ff"}) {
      String reply = rawGet(path);

      assertThat(reply).as(path).startsWith("HTTP/1.1 400");
      assertThat(reply).as(path).contains("content-type: application/json")
          .contains("\"code\":\"malformed_uri\"");
    }
    assertThat(veto.get("/health").status()).isEqualTo(200);
  }

  /** A request line no URI class would build: written to the socket as it is. */
  private static String rawGet(String path) {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", veto.port())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n"
          + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT)
          .replace("http/1.1", "HTTP/1.1");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void contentType_isMatchedAsHttpSays_caseInsensitiveWithSpaces() {
    String body = "{" + OK + "}";

    assertThat(veto.post("/v1/decide", body, "APPLICATION/JSON ; Charset = UTF-8").status())
        .isEqualTo(200);
    assertThat(veto.post("/v1/decide", body, "application/json; charset=latin1").status())
        .isEqualTo(415);
  }

  @Test
  void bidiOverridesInIds_areRejected() {
    Reply reply = veto.post("/v1/decide", "{\"task_id\":\"t\u202e1\",\"agent_id\":\"a\","
        + "\"tool\":\"get_x\"}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().path("field").asText()).isEqualTo("task_id");
  }

  @Test
  void unicodeLineSeparatorsInIds_areRejected() {
    for (String separator : new String[] {"\\u2028", "\\u2029"}) {
      Reply reply = veto.post("/v1/decide", "{\"task_id\":\"t" + separator
          + "level=ERROR\",\"agent_id\":\"a\",\"tool\":\"get_x\"}");

      assertThat(reply.status()).as(separator).isEqualTo(400);
      assertThat(reply.json().path("field").asText()).isEqualTo("task_id");
    }
  }
}
