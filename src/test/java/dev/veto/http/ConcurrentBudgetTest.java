package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many proposals of one task in flight at once: the task's last unit of budget is spent once.
 */
@ExtendWith(VertxExtension.class)
class ConcurrentBudgetTest {

  private static final int IN_FLIGHT = 32;
  private static final int MAX_CALLS = 5;

  @Test
  void concurrentProposalsOfOneTask_neverSpendMoreThanTheBudget(
      Vertx vertx, VertxTestContext testContext, @TempDir Path data, @TempDir Path conf)
      throws Exception {
    Path config = conf.resolve("override.yaml");
    Files.writeString(config, "budgets:\n  max_tool_calls: " + MAX_CALLS + "\n");
    VetoFixture veto = VetoFixture.start(data, VetoFixture.RULES, config);
    WebClient client = WebClient.create(vertx);

    List<Future<HttpResponse<Buffer>>> replies = new ArrayList<>();
    for (int i = 0; i < IN_FLIGHT; i++) {
      ObjectNode proposal = Proposals.of("task-contended", "get_user_details");
      replies.add(client.post(veto.port(), "127.0.0.1", "/v1/decide")
          .putHeader("content-type", "application/json")
          .sendBuffer(Buffer.buffer(proposal.toString())));
    }

    Future.all(replies).onComplete(testContext.succeeding(all -> testContext.verify(() -> {
      long allowed = replies.stream()
          .map(reply -> new JsonObject(reply.result().bodyAsString()))
          .filter(body -> body.getString("verdict").equals("allow"))
          .count();
      assertThat(allowed).isEqualTo(MAX_CALLS);
      assertThat(replies).allSatisfy(reply -> assertThat(reply.result().statusCode())
          .isEqualTo(200));
      testContext.completeNow();
    })));

    assertThat(testContext.awaitCompletion(30, TimeUnit.SECONDS)).isTrue();
    veto.close();
  }
}
