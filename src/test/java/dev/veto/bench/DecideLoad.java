package dev.veto.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop load generator for {@code POST /v1/decide} over loopback: each of N
 * connections keeps one request in flight. Latency is recorded per request in an HdrHistogram.
 *
 * <p>Closed loop means coordinated omission: when the server stalls, fewer requests are sent,
 * so the high percentiles are optimistic. The figures are for comparing builds on one machine.
 *
 * <p>Mix: 80% tier-0 reads, 15% tier-2 writes, 5% tier-3 actions, each with a fresh
 * idempotency key, spread over 10,000 tasks.
 *
 * <p>Usage: {@code DecideLoad PORT CONNECTIONS WARMUP_SECONDS SECONDS}
 */
public final class DecideLoad {

  private static final int TASKS = 10_000;

  private final HttpClient client;
  private final int port;
  private final Recorder recorder = new Recorder(3);
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean running = true;

  private DecideLoad(Vertx vertx, int port, int connections) {
    this.port = port;
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setPipelining(false),
        new PoolOptions().setHttp1MaxSize(connections));
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int connections = Integer.parseInt(args[1]);
    int warmupSeconds = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);

    Vertx vertx = Vertx.vertx();
    DecideLoad load = new DecideLoad(vertx, port, connections);
    CountDownLatch done = new CountDownLatch(connections);
    for (int i = 0; i < connections; i++) {
      load.loop(done);
    }

    Thread.sleep(warmupSeconds * 1000L);
    load.recorder.reset();
    long errorsBefore = load.errors.get();
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    Histogram histogram = load.recorder.getIntervalHistogram();
    double elapsed = (System.nanoTime() - start) / 1e9;
    load.running = false;
    done.await();
    vertx.close().toCompletionStage().toCompletableFuture().get();

    System.out.printf("connections=%d seconds=%.1f requests=%d errors=%d%n", connections,
        elapsed, histogram.getTotalCount(), load.errors.get() - errorsBefore);
    System.out.printf("throughput=%.0f/s p50=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms%n",
        histogram.getTotalCount() / elapsed,
        histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6,
        histogram.getValueAtPercentile(99.9) / 1e6, histogram.getMaxValue() / 1e6);
  }

  private void loop(CountDownLatch done) {
    if (!running) {
      done.countDown();
      return;
    }
    long start = System.nanoTime();
    send().onComplete(result -> {
      if (result.succeeded() && result.result() == 200) {
        recorder.recordValue(System.nanoTime() - start);
      } else {
        errors.incrementAndGet();
      }
      loop(done);
    });
  }

  private Future<Integer> send() {
    Buffer body = Buffer.buffer(proposal());
    return client.request(HttpMethod.POST, port, "127.0.0.1", "/v1/decide")
        .compose(request -> request.putHeader("content-type", "application/json").send(body))
        .compose(response -> response.body().map(b -> statusOf(response)));
  }

  private static int statusOf(HttpClientResponse response) {
    return response.statusCode();
  }

  private static String proposal() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int pick = random.nextInt(100);
    String tool = pick < 80 ? "get_user_details"
        : pick < 95 ? "modify_user_address" : "cancel_reservation";
    return "{\"task_id\":\"bench-" + random.nextInt(TASKS) + "\",\"agent_id\":\"bench\","
        + "\"tool\":\"" + tool + "\",\"args\":{\"user_id\":\"u" + random.nextInt(1000)
        + "\",\"address\":{\"city\":\"Lisbon\",\"zip\":\"1000-001\"}},\"step\":"
        + random.nextInt(1, 20) + ",\"idempotency_key\":\"" + UUID.randomUUID()
        + "\",\"tokens_used\":" + random.nextInt(2000) + "}";
  }
}
