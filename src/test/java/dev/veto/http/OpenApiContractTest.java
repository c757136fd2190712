package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.veto.auth.AccessTable;
import dev.veto.auth.Role;
import dev.veto.auth.TokenFile;
import dev.veto.json.Json;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps openapi.yaml true: walks every documented operation over real HTTP (a happy path and
 * errors), validates each JSON answer against the schema the document gives for that
 * operation and status, and checks that every operation was walked and every endpoint of
 * the access table is documented.
 */
class OpenApiContractTest {

  @TempDir
  static Path folder;

  private static JsonNode document;
  private static VetoFixture veto;
  private static String agent;
  private static String approver;
  private static String operator;
  private static final Set<String> walked = new TreeSet<>();
  private static final Map<String, JsonSchema> schemas = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    try (InputStream in = OpenApiContractTest.class.getResourceAsStream("/openapi.yaml")) {
      document = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
    Path tokens = folder.resolve("tokens.yaml");
    agent = token(tokens, "agent-1", Role.AGENT, "agent-1");
    approver = token(tokens, "alice", Role.APPROVER, null);
    operator = token(tokens, "olga", Role.OPERATOR, null);
    veto = VetoFixture.builder(folder.resolve("data")).tokens(tokens).start();
  }

  private static String token(Path file, String name, Role role, String agentId)
      throws Exception {
    String token = TokenFile.newToken();
    TokenFile.append(file, name, Set.of(role), agentId, null, token);
    return token;
  }

  @AfterAll
  static void stop() {
    veto.close();
  }

  @Test
  void shouldDescribeEveryAnswerOfEveryEndpoint() {
    String proposal = "{\"task_id\":\"t-api\",\"agent_id\":\"agent-1\","
        + "\"tool\":\"BankManagerTransferFunds\",\"args\":{\"amount\":5},"
        + "\"idempotency_key\":\"k-1\"}";
    JsonNode held = check("POST", "/v1/decide", "/v1/decide", proposal, agent, 200);
    check("POST", "/v1/decide", "/v1/decide", "{}", agent, 400);
    check("POST", "/v1/decide", "/v1/decide", proposal, null, 401);
    check("POST", "/v1/decide", "/v1/decide", proposal, approver, 403);
    check("POST", "/v1/decide", "/v1/decide", proposal.replace("{\"amount\":5}",
        "{\"amount\":6}"), agent, 409);

    String decisionId = held.path("decision_id").asText();
    String approvalId = held.path("approval").path("id").asText();
    check("GET", "/v1/decisions/{id}", "/v1/decisions/" + decisionId, null, agent, 200);
    check("GET", "/v1/decisions/{id}", "/v1/decisions/nope", null, agent, 404);
    check("GET", "/v1/decisions/{id}", "/v1/decisions/x?wait=forever", null, agent, 400);
    check("GET", "/v1/approvals", "/v1/approvals?status=pending", null, approver, 200);
    check("GET", "/v1/approvals", "/v1/approvals?status=maybe", null, approver, 400);
    check("GET", "/v1/approvals", "/v1/approvals", null, agent, 403);
    check("GET", "/v1/approvals/{id}", "/v1/approvals/" + approvalId, null, approver, 200);
    check("GET", "/v1/approvals/{id}", "/v1/approvals/nope", null, approver, 404);
    String approve = "{\"decision\":\"approve\",\"comment\":\"ok\"}";
    check("POST", "/v1/approvals/{id}", "/v1/approvals/" + approvalId, approve, approver, 200);
    check("POST", "/v1/approvals/{id}", "/v1/approvals/" + approvalId, approve, approver, 409);
    check("POST", "/v1/approvals/{id}", "/v1/approvals/nope", approve, approver, 404);
    check("POST", "/v1/approvals/{id}", "/v1/approvals/x", "{\"decision\":1}", approver, 400);
    check("POST", "/v1/approvals/{id}", "/v1/approvals/x", approve, operator, 403);
    check("GET", "/v1/decisions/{id}", "/v1/decisions/" + decisionId + "?wait=1s", null,
        approver, 200);

    JsonNode allowed = check("POST", "/v1/decide", "/v1/decide", proposal, agent, 200);
    assertThat(allowed.path("verdict").asText()).isEqualTo("allow");
    String outcome = "{\"decision_id\":\"" + allowed.path("decision_id").asText()
        + "\",\"status\":\"succeeded\"}";
    check("POST", "/v1/outcomes", "/v1/outcomes", outcome, agent, 200);
    check("POST", "/v1/outcomes", "/v1/outcomes", outcome.replace("succeeded", "failed"),
        agent, 409);
    check("POST", "/v1/outcomes", "/v1/outcomes",
        "{\"decision_id\":\"nope\",\"status\":\"failed\"}", agent, 404);
    check("POST", "/v1/outcomes", "/v1/outcomes", "{\"status\":\"failed\"}", agent, 400);
    check("POST", "/v1/outcomes", "/v1/outcomes", outcome, null, 401);

    check("GET", "/v1/tasks/{id}", "/v1/tasks/t-api", null, operator, 200);
    check("GET", "/v1/tasks/{id}", "/v1/tasks/t-api", null, approver, 403);
    check("POST", "/v1/tasks/{id}/halt", "/v1/tasks/t-api/halt", "{\"reason\":\"test\"}",
        operator, 200);
    check("POST", "/v1/tasks/{id}/reset", "/v1/tasks/t-api/reset", "{}", operator, 200);
    check("GET", "/v1/modes", "/v1/modes", null, operator, 200);
    check("GET", "/v1/modes", "/v1/modes", null, agent, 403);
    check("POST", "/v1/modes", "/v1/modes",
        "{\"scope\":\"task\",\"id\":\"t-q\",\"mode\":\"queue\",\"reason\":\"test\"}",
        operator, 200);
    check("POST", "/v1/modes", "/v1/modes", "{\"scope\":\"nowhere\",\"mode\":\"queue\"}",
        operator, 400);

    JsonNode queued = check("POST", "/v1/decide", "/v1/decide", proposal
        .replace("t-api", "t-q").replace("k-1", "k-q"), agent, 200);
    String queueId = queued.path("queue").path("id").asText();
    assertThat(queueId).as("the queue mode names the queued item: %s", queued).isNotEmpty();
    check("GET", "/v1/queue", "/v1/queue", null, operator, 200);
    check("POST", "/v1/queue/{id}", "/v1/queue/" + queueId, "{\"action\":\"release\"}",
        operator, 200);
    check("POST", "/v1/queue/{id}", "/v1/queue/" + queueId, "{\"action\":\"drop\"}",
        operator, 409);
    check("POST", "/v1/queue/{id}", "/v1/queue/nope", "{\"action\":\"drop\"}", operator, 404);
    check("GET", "/v1/incidents", "/v1/incidents", null, operator, 200);
    check("GET", "/v1/incidents/{id}", "/v1/incidents/nope", null, operator, 404);
    check("GET", "/v1/policy", "/v1/policy", null, operator, 200);
    check("GET", "/v1/policy", "/v1/policy", null, agent, 403);
    check("POST", "/v1/policy/reload", "/v1/policy/reload", null, operator, 200);
    check("GET", "/v1/policy/shadow", "/v1/policy/shadow?limit=-1", null, operator, 400);
    check("POST", "/v1/policy/shadow", "/v1/policy/shadow", "{\"rules\":\"rules\"}",
        operator, 200);
    check("POST", "/v1/policy/shadow", "/v1/policy/shadow", "{\"rules\":\"nowhere\"}",
        operator, 400);
    check("GET", "/v1/policy/shadow", "/v1/policy/shadow", null, operator, 200);
    check("DELETE", "/v1/policy/shadow", "/v1/policy/shadow", null, operator, 200);
    check("POST", "/v1/ledger/checkpoint", "/v1/ledger/checkpoint", null, operator, 200);
    check("GET", "/v1/ledger/checkpoint", "/v1/ledger/checkpoint", null, operator, 200);
    check("GET", "/v1/ledger/proof/inclusion", "/v1/ledger/proof/inclusion?seq=1", null,
        operator, 200);
    check("GET", "/v1/ledger/proof/inclusion", "/v1/ledger/proof/inclusion", null, operator,
        400);
    check("GET", "/v1/ledger/proof/consistency", "/v1/ledger/proof/consistency?from=1&to=2",
        null, operator, 200);
    check("GET", "/v1/ledger/entries", "/v1/ledger/entries?from=1&limit=2", null, operator,
        200);
    check("GET", "/v1/keys", "/v1/keys", null, operator, 200);
    check("POST", "/v1/blobs/{sha256}/erase", "/v1/blobs/nothex/erase", null, operator, 400);
    check("POST", "/v1/blobs/{sha256}/erase", "/v1/blobs/" + "0".repeat(64) + "/erase", null,
        operator, 404);
    check("GET", "/health", "/health", null, null, 200);

    assertThat(operationsIn(document)).as("operations walked by this test")
        .isSubsetOf(walkedOrPlain());
  }

  /** Tripping a budget makes an incident; its answer must match the document too. */
  @Test
  void shouldDescribeAnIncident() {
    for (int i = 0; i < 6; i++) {
      String proposal = "{\"task_id\":\"t-inc\",\"agent_id\":\"agent-1\",\"tool\":"
          + "\"update_address\",\"args\":{\"n\":" + i + "},\"idempotency_key\":\"i-" + i
          + "\"}";
      JsonNode decision = veto.post("/v1/decide", proposal, "application/json", agent).json();
      if (!decision.path("verdict").asText().equals("allow")) {
        continue;
      }
      veto.post("/v1/outcomes", "{\"decision_id\":\"" + decision.path("decision_id").asText()
          + "\",\"status\":\"failed\"}", "application/json", agent);
    }
    JsonNode list = check("GET", "/v1/incidents", "/v1/incidents?task_id=t-inc", null,
        operator, 200);
    assertThat(list.path("items")).as("failures past the budget make an incident: %s", list)
        .isNotEmpty();
    String id = list.path("items").get(0).path("incident_id").asText();
    check("GET", "/v1/incidents/{id}", "/v1/incidents/" + id, null, operator, 200);
  }

  /** An agent over its rate limit gets the documented 429 refusal. */
  @Test
  void shouldDescribeTheRateLimitRefusal() throws Exception {
    try (VetoFixture limited = VetoFixture.builder(folder.resolve("limited"))
        .edge(new dev.veto.server.ServerConfig.Edge(null, null, 1)).start()) {
      Reply reply = null;
      for (int i = 0; i < 20; i++) {
        reply = limited.post("/v1/decide", "{\"task_id\":\"t\",\"agent_id\":\"a\","
            + "\"tool\":\"get_user_details\",\"idempotency_key\":\"r-" + i + "\"}");
        if (reply.status() == 429) {
          break;
        }
      }
      assertThat(reply.status()).as("a burst past 1/s is limited: %s", reply.body())
          .isEqualTo(429);
      assertThat(schemaFor("POST", "/v1/decide", 429).validate(reply.json())).isEmpty();
    }
  }

  /** The check is not vacuous: answers that break the document are caught, refs included. */
  @Test
  void shouldCatchAnAnswerThatBreaksTheDocument() {
    JsonSchema decision = schemaFor("POST", "/v1/decide", 200);
    String good = "{\"decision_id\":\"d\",\"task_id\":\"t\",\"verdict\":\"allow\",\"tier\":0,"
        + "\"reasons\":[],\"policy_version\":\"sha256:ab\",\"mode\":{\"name\":\"normal\","
        + "\"meaning\":\"m\"},\"budgets\":{\"remaining\":{}},\"receipt\":{\"seq\":1,"
        + "\"hash\":\"" + "0".repeat(64) + "\",\"signature\":\"s\",\"key_id\":\"ed25519:k\"}}";

    assertThat(decision.validate(readJson(good))).isEmpty();
    assertThat(decision.validate(readJson(good.replace("\"allow\"", "\"maybe\"")))).isNotEmpty();
    assertThat(decision.validate(readJson(good.replace("\"seq\":1", "\"seq\":\"1\""))))
        .isNotEmpty();
    assertThat(schemaFor("POST", "/v1/decide", 400).validate(readJson("{\"code\":\"x\"}")))
        .isNotEmpty();
  }

  @Test
  void shouldDocumentEveryEndpointOfTheAccessTable() {
    for (AccessTable.Row row : AccessTable.rows()) {
      String path = row.path().pattern().replace("/blobs/[^/]+", "/blobs/{sha256}")
          .replace("[^/]+", "{id}");
      String concrete = row.path().pattern().replace("[^/]+", "x");
      Reply reply = veto.call(row.method(), concrete, row.method().equals("POST") ? "{}" : null,
          operator);
      boolean served = !(reply.status() == 404 && reply.body().contains("\"not_found\""));
      if (served) {
        assertThat(document.path("paths").path(path).has(row.method().toLowerCase()))
            .as("%s %s is served but not in openapi.yaml", row.method(), path).isTrue();
      }
    }
  }

  /** Calls, checks the status, validates the JSON body against the documented schema. */
  private static JsonNode check(String method, String template, String path, String body,
      String token, int status) {
    Reply reply = veto.call(method, path, body, token);
    assertThat(reply.status()).as("%s %s: %s", method, path, reply.body()).isEqualTo(status);
    JsonNode json = reply.json();
    Set<ValidationMessage> errors = schemaFor(method, template, status).validate(json);
    assertThat(errors).as("%s %s -> %d does not match openapi.yaml: %s", method, path,
        status, json).isEmpty();
    walked.add(method + " " + template);
    return json;
  }

  private static JsonSchema schemaFor(String method, String template, int status) {
    String key = method + " " + template + " " + status;
    return schemas.computeIfAbsent(key, k -> {
      JsonNode response = document.path("paths").path(template)
          .path(method.toLowerCase()).path("responses").path(String.valueOf(status));
      assertThat(response.isMissingNode()).as("%s is not documented", k).isFalse();
      String pointer;
      if (response.has("$ref")) {
        pointer = response.get("$ref").asText().substring(1);
      } else {
        pointer = "/paths/" + escape(template) + "/" + method.toLowerCase() + "/responses/"
            + status;
      }
      pointer += "/content/application~1json/schema";
      assertThat(document.at(pointer).isMissingNode()).as("%s has no JSON schema", k).isFalse();
      // OpenAPI 3.1 schemas are JSON Schema 2020-12. The operation's schema becomes the root
      // and the document's component schemas its $defs, so their refs resolve locally.
      ObjectNode root = (ObjectNode) document.at(pointer).deepCopy();
      root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
      root.set("$defs", document.path("components").path("schemas"));
      root = (ObjectNode) readJson(root.toString()
          .replace("\"#/components/schemas/", "\"#/$defs/"));
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(root);
    });
  }

  private static JsonNode readJson(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String escape(String path) {
    return path.replace("~", "~0").replace("/", "~1");
  }

  private static Set<String> operationsIn(JsonNode doc) {
    Set<String> operations = new TreeSet<>();
    Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> path = paths.next();
      path.getValue().fieldNames().forEachRemaining(method ->
          operations.add(method.toUpperCase() + " " + path.getKey()));
    }
    return operations;
  }

  /** The non-JSON endpoints are checked by WebApiTest and the metrics tests. */
  private static Set<String> walkedOrPlain() {
    Set<String> all = new TreeSet<>(walked);
    all.addAll(Set.of("GET /metrics", "GET /openapi.yaml", "GET /ui"));
    return all;
  }
}
