package dev.veto.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import dev.veto.testing.VetoProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VETO_LOG=json: every line Veto prints is one JSON object with the event's fields. */
class JsonLogTest {

  @TempDir
  Path folder;

  @Test
  void shouldPrintOneJsonObjectALineWithTheEventsFields() throws Exception {
    Path log = folder.resolve("veto.log");
    try (VetoProcess veto = VetoProcess.start(Map.of("VETO_LOG", "json"),
        folder.resolve("data"), log)) {
      assertThat(veto.port()).isPositive();
    }

    List<JsonNode> events = new ArrayList<>();
    for (String line : java.nio.file.Files.readAllLines(log)) {
      events.add(Json.MAPPER.readTree(line));
    }
    JsonNode started = events.stream()
        .filter(e -> e.path("message").asText().equals("veto started")).findFirst()
        .orElseThrow();
    assertThat(started.path("level").asText()).isEqualTo("INFO");
    assertThat(started.path("loggerName").asText()).isEqualTo("dev.veto.server.VetoServer");
    assertThat(started.path("kvpList").toString()).contains("policy_version")
        .contains("ledger_entries");
  }
}
