package dev.veto.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code veto send}: sends a file of proposals (JSON Lines) to a running Veto and prints the
 * verdicts by tier and by the label the data set's authors gave each tool.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = "Send proposals from a JSON Lines file to POST /v1/decide and summarise.")
final class SendCommand implements Callable<Integer> {

  private static final List<String> VERDICTS = List.of("allow", "require_approval", "refuse");

  @Parameters(index = "0", description = "JSON Lines file: one proposal a line, or"
      + " {\"proposal\": {...}, \"source\": {\"author_label\": ...}} as in shared/corpus/tau2.")
  Path file;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:8181",
      description = "Veto's base URL (default ${DEFAULT-VALUE}).")
  URI url;

  @Option(names = "--concurrency", defaultValue = "1",
      description = "Requests in flight (default ${DEFAULT-VALUE}: keeps each task's order).")
  int concurrency;

  @Option(names = "--token", defaultValue = "${env:VETO_TOKEN}",
      description = "Bearer token of an agent (or VETO_TOKEN); needed when Veto runs with"
          + " --tokens. An agent token speaks for one agent_id: the file's proposals must"
          + " name it.")
  String token;

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Summary summary = new Summary();
    Semaphore inFlight = new Semaphore(Math.max(1, concurrency));
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    long started = System.nanoTime();

    for (String line : lines) {
      JsonNode item = Json.MAPPER.readTree(line);
      JsonNode proposal = item.has("proposal") ? item.get("proposal") : item;
      String label = item.path("source").path("author_label").asText("-");
      inFlight.acquire();
      sent.add(send(client, proposal, label, summary)
          .whenComplete((ok, error) -> inFlight.release()));
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

    double seconds = (System.nanoTime() - started) / 1e9;
    summary.print(System.out, lines.size(), url, seconds);
    return summary.failures == 0 ? 0 : Main.EXIT_DAMAGED;
  }

  private CompletableFuture<Void> send(HttpClient client, JsonNode proposal, String label,
      Summary summary) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve("/v1/decide"))
        .header("content-type", "application/json")
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(proposal)));
    if (token != null && !token.isBlank()) {
      request.header("authorization", "Bearer " + token.trim());
    }
    return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        .thenAccept(response -> summary.add(label, response))
        .exceptionally(error -> {
          summary.failed("transport: " + error.getMessage());
          return null;
        });
  }

  /** Counts by tier and by label; synchronised because replies arrive on client threads. */
  private static final class Summary {
    final Map<String, Map<String, Integer>> byTier = new TreeMap<>();
    final Map<String, Map<String, Integer>> byLabel = new TreeMap<>();
    final Map<String, Integer> errors = new TreeMap<>();
    int failures;
    int replayed;

    synchronized void add(String label, HttpResponse<byte[]> response) {
      try {
        JsonNode body = Json.MAPPER.readTree(response.body());
        if (response.statusCode() != 200) {
          failed("HTTP " + response.statusCode() + " " + body.path("code").asText());
          return;
        }
        if (response.headers().firstValue("idempotent-replayed").isPresent()) {
          replayed++;
        }
        String verdict = body.path("verdict").asText();
        count(byTier, "tier " + body.path("tier").asInt(), verdict);
        count(byLabel, label, verdict);
      } catch (IOException e) {
        failed("unreadable reply: " + e.getMessage());
      }
    }

    synchronized void failed(String what) {
      failures++;
      errors.merge(what, 1, Integer::sum);
    }

    private static void count(Map<String, Map<String, Integer>> table, String row, String col) {
      table.computeIfAbsent(row, r -> new TreeMap<>()).merge(col, 1, Integer::sum);
    }

    void print(PrintStream out, int total, URI url, double seconds) {
      out.printf("sent %d proposals to %s in %.1f s; %d were retries answered from the"
          + " idempotency index (same key, same request: nothing new recorded)%n%n",
          total, url, seconds, replayed);
      table(out, "by tier", byTier);
      table(out, "by author label", byLabel);
      errors.forEach((what, n) -> out.printf("error x%d: %s%n", n, what));
    }

    private static void table(PrintStream out, String title, Map<String, Map<String, Integer>> t) {
      out.printf("%-16s %8s %17s %8s %7s%n", title, "allow", "require_approval", "refuse",
          "total");
      for (var row : t.entrySet()) {
        int sum = row.getValue().values().stream().mapToInt(Integer::intValue).sum();
        out.printf("%-16s %8d %17d %8d %7d%n", row.getKey(),
            row.getValue().getOrDefault(VERDICTS.get(0), 0),
            row.getValue().getOrDefault(VERDICTS.get(1), 0),
            row.getValue().getOrDefault(VERDICTS.get(2), 0), sum);
      }
      out.println();
    }
  }
}
