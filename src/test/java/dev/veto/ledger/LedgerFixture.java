package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.SigningKey;
import dev.veto.json.Json;
import dev.veto.testing.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Helpers shared by the ledger tests: a fixed key and clock, and raw file editing. */
final class LedgerFixture {

  static final SigningKey KEY = SigningKey.generate();

  private LedgerFixture() {}

  static TestClock clock() {
    return TestClock.at("2026-12-03T16:00:00.123Z");
  }

  static Ledger open(Path dataDir) throws IOException {
    return Ledger.open(dataDir, KEY, clock(), LedgerOptions.defaults());
  }

  static ObjectNode data(int i) {
    ObjectNode data = Json.MAPPER.createObjectNode();
    data.put("tool", "shell");
    data.put("n", i);
    data.put("verdict", i % 3 == 0 ? "refuse" : "allow");
    return data;
  }

  /** A ledger with count entries, written with fsync, then closed. */
  static Path writeEntries(Path dataDir, int count) throws IOException {
    try (Ledger ledger = open(dataDir)) {
      for (int i = 1; i <= count; i++) {
        ledger.append("decision", data(i)).join();
      }
    }
    return file(dataDir);
  }

  static Path file(Path dataDir) {
    return dataDir.resolve("ledger.jsonl");
  }

  /** Lines without their newlines (the file must end with one). */
  static List<String> lines(Path file) throws IOException {
    return new ArrayList<>(Files.readAllLines(file, UTF_8));
  }

  static void writeLines(Path file, List<String> lines) throws IOException {
    Files.writeString(file, String.join("\n", lines) + "\n", UTF_8);
  }

  static List<LedgerEntry> replay(Ledger ledger) throws IOException {
    List<LedgerEntry> entries = new ArrayList<>();
    ledger.replay(entries::add);
    return entries;
  }
}
