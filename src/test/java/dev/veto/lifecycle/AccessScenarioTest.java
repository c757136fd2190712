package dev.veto.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.auth.AccessTable;
import dev.veto.auth.Role;
import dev.veto.auth.TokenFile;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens and roles: the whole access matrix, walked over HTTP. */
class AccessScenarioTest {

  @TempDir
  static Path folder;

  private static final Map<Role, String> TOKENS = new EnumMap<>(Role.class);
  private static String otherAgent;
  private static String expired;
  private static VetoFixture veto;

  @BeforeAll
  static void start() throws Exception {
    Path file = folder.resolve("tokens.yaml");
    for (Role role : Role.values()) {
      String token = TokenFile.newToken();
      TokenFile.append(file, role.wire() + "-1", Set.of(role),
          role == Role.AGENT ? "agent-test" : null, null, token);
      TOKENS.put(role, token);
    }
    otherAgent = TokenFile.newToken();
    TokenFile.append(file, "other", Set.of(Role.AGENT), "agent-other", null, otherAgent);
    expired = TokenFile.newToken();
    TokenFile.append(file, "old", Set.of(Role.OPERATOR), null,
        Instant.parse("2020-01-01T00:00:00Z"), expired);
    veto = VetoFixture.builder(folder.resolve("data")).tokens(file).start();
  }

  @AfterAll
  static void stop() {
    veto.close();
  }

  private static String concrete(AccessTable.Row row) {
    return row.path().pattern().replace("[^/]+", "x");
  }

  private static Reply call(AccessTable.Row row, String token) {
    String body = row.method().equals("POST") ? "{}" : null;
    return veto.call(row.method(), concrete(row), body, token);
  }

  @Test
  void shouldLetEachRoleCallExactlyItsEndpoints() {
    for (AccessTable.Row row : AccessTable.rows()) {
      for (Role role : Role.values()) {
        Reply reply = call(row, TOKENS.get(role));
        String where = role.wire() + " " + row.method() + " " + concrete(row) + ": "
            + reply.body();
        if (row.roles().contains(role)) {
          assertThat(reply.status()).as(where).isNotIn(401, 403);
        } else {
          assertThat(reply.status()).as(where).isEqualTo(403);
          assertThat(reply.json().path("code").asText()).as(where).isEqualTo("forbidden");
        }
      }
    }
  }

  @Test
  void shouldNeverLetAnAgentApproveChangeModesOrControlTasks() {
    Set<Role> agentOnly = EnumSet.of(Role.AGENT);
    long refused = AccessTable.rows().stream()
        .filter(row -> !row.roles().containsAll(agentOnly))
        .filter(row -> call(row, TOKENS.get(Role.AGENT)).status() == 403)
        .count();
    long agentDenied = AccessTable.rows().stream()
        .filter(row -> !row.roles().contains(Role.AGENT)).count();

    assertThat(refused).isEqualTo(agentDenied).isGreaterThanOrEqualTo(10);
  }

  @Test
  void shouldRefuseMissingMalformedUnknownAndExpiredTokens() {
    AccessTable.Row decide = AccessTable.find("POST", "/v1/decide").orElseThrow();
    for (String token : new String[] {null, "", "not-a-token", expired}) {
      Reply reply = call(decide, token);
      assertThat(reply.status()).as(String.valueOf(token)).isEqualTo(401);
      assertThat(reply.json().path("code").asText()).isEqualTo("unauthenticated");
      assertThat(reply.body()).doesNotContain(expired);
    }
    Reply basic = veto.post("/v1/decide", "{}", "application/json", null);
    assertThat(basic.status()).isEqualTo(401);
    assertThat(veto.get("/health").json().path("auth").asText()).isEqualTo("tokens");
  }

  @Test
  void shouldTakeTheAgentIdFromTheToken() {
    ObjectNode proposal = Proposals.of("t-acc", "get_user_details");
    String body = proposal.toString();
    Reply mine = veto.post("/v1/decide", body, "application/json", TOKENS.get(Role.AGENT));
    assertThat(mine.status()).isEqualTo(200);
    String decisionId = mine.json().path("decision_id").asText();

    Reply impostor = veto.post("/v1/decide", body, "application/json", otherAgent);
    assertThat(impostor.status()).isEqualTo(403);
    assertThat(impostor.json().path("field").asText()).isEqualTo("agent_id");

    // Another agent can neither read the decision nor report its outcome.
    assertThat(veto.call("GET", "/v1/decisions/" + decisionId, null, otherAgent).status())
        .isEqualTo(404);
    assertThat(veto.post("/v1/outcomes", "{\"decision_id\":\"" + decisionId
        + "\",\"status\":\"succeeded\"}", "application/json", otherAgent).status())
        .isEqualTo(404);
    JsonNode own = veto.call("GET", "/v1/decisions/" + decisionId, null,
        TOKENS.get(Role.AGENT)).json();
    assertThat(own.path("decision_id").asText()).isEqualTo(decisionId);
    assertThat(veto.call("GET", "/v1/decisions/" + decisionId, null,
        TOKENS.get(Role.AUDITOR)).status()).isEqualTo(200);
  }

  @Test
  void shouldRecordWhoSettledAnApproval() {
    ObjectNode proposal = Proposals.of("t-who", "BankManagerTransferFunds");
    proposal.putObject("args").put("amount", 5);
    String approval = veto.post("/v1/decide", proposal.toString(), "application/json",
        TOKENS.get(Role.AGENT)).json().path("approval").path("id").asText();

    JsonNode settled = veto.call("POST", "/v1/approvals/" + approval,
        "{\"decision\":\"approve\"}", TOKENS.get(Role.APPROVER)).json();

    assertThat(settled.path("settled_by").asText()).isEqualTo("approver-1");
  }
}
