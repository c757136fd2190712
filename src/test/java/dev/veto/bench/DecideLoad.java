package dev.veto.bench;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A load generator for a policy decision point over loopback: Veto's {@code POST /v1/decide}
 * or, for comparison, Cerbos's {@code POST /api/check/resources}, with the same mix of calls.
 *
 * <p>Two modes. Closed loop (no rate given): each of N connections keeps one request in
 * flight; this finds the most the server does, but its percentiles suffer from coordinated
 * omission (a stalled server is sent less). Constant rate (a rate given): requests are due on
 * a fixed schedule whatever the server does, queue for a free connection when none is, and
 * each latency is measured from when the request was due, so a stall is counted in full.
 *
 * <p>Mix: 80% tier-0 reads, 15% tier-2 writes, 5% tier-3 actions, each with a fresh
 * idempotency key, over 10,000 tasks. Cerbos is stateless, so its requests carry the usage
 * counters a caller would have to keep itself.
 *
 * <p>Usage: {@code DecideLoad veto|cerbos PORT CONNECTIONS WARMUP_SECONDS SECONDS [RATE]}
 */
public final class DecideLoad {

  private static final int TASKS = 10_000;

  private final HttpClient client;
  private final boolean cerbos;
  private final int port;
  private final Recorder recorder = new Recorder(3);
  private final AtomicLong errors = new AtomicLong();
  private final Map<String, LongAdder> causes = new ConcurrentHashMap<>();
  private volatile boolean running = true;

  private DecideLoad(Vertx vertx, boolean cerbos, int port, int connections) {
    this.cerbos = cerbos;
    this.port = port;
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setPipelining(false),
        new PoolOptions().setHttp1MaxSize(connections));
  }

  public static void main(String[] args) throws Exception {
    String target = args[0];
    int port = Integer.parseInt(args[1]);
    int connections = Integer.parseInt(args[2]);
    int warmupSeconds = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    int rate = args.length > 5 ? Integer.parseInt(args[5]) : 0;

    Vertx vertx = Vertx.vertx();
    DecideLoad load = new DecideLoad(vertx, target.equals("cerbos"), port, connections);
    CountDownLatch warmed = new CountDownLatch(connections);
    for (int i = 0; i < connections; i++) {
      load.loop(warmed);
    }
    Thread.sleep(warmupSeconds * 1000L);

    CountDownLatch done = warmed;
    if (rate > 0) {
      // The warm-up ran closed loop (client and server JIT-compiled, no backlog); the paced
      // schedule starts now, so its first requests are not late already.
      load.running = false;
      warmed.await();
      load.running = true;
      done = new CountDownLatch(1);
      load.paced(vertx, rate, done);
    }
    load.recorder.reset();
    long errorsBefore = load.errors.get();
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    Histogram histogram = load.recorder.getIntervalHistogram();
    double elapsed = (System.nanoTime() - start) / 1e9;
    // Counted now, with the histogram: requests still in flight when the client closes fail,
    // and are not the server's errors.
    long errors = load.errors.get() - errorsBefore;
    String causes = load.causes.toString();
    load.running = false;
    done.await();
    vertx.close().toCompletionStage().toCompletableFuture().get();

    System.out.printf("target=%s mode=%s connections=%d requests=%d errors=%d"
            + " throughput=%.0f p50=%.3f p99=%.3f p99.9=%.3f max=%.3f%n",
        target, rate > 0 ? "rate-" + rate : "closed", connections, histogram.getTotalCount(),
        errors, histogram.getTotalCount() / elapsed,
        ms(histogram.getValueAtPercentile(50)), ms(histogram.getValueAtPercentile(99)),
        ms(histogram.getValueAtPercentile(99.9)), ms(histogram.getMaxValue()));
    if (errors > 0) {
      System.err.println("errors by cause (whole run, warm-up included): " + causes);
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private void loop(CountDownLatch done) {
    if (!running) {
      done.countDown();
      return;
    }
    long start = System.nanoTime();
    send().onComplete(result -> {
      record(start, result);
      loop(done);
    });
  }

  /**
   * Sends on a fixed schedule, a tick a millisecond, however many requests are due by then:
   * the schedule never waits for the server, so the server cannot slow the measurement down.
   */
  private void paced(Vertx vertx, int rate, CountDownLatch done) {
    long begin = System.nanoTime();
    long intervalNanos = 1_000_000_000L / rate;
    long[] sent = {0};
    vertx.setPeriodic(1, timer -> {
      if (!running) {
        vertx.cancelTimer(timer);
        done.countDown();
        return;
      }
      long due = (System.nanoTime() - begin) / intervalNanos;
      for (; sent[0] < due; sent[0]++) {
        long intended = begin + sent[0] * intervalNanos;
        send().onComplete(result -> {
          record(intended, result);
        });
      }
    });
  }

  private void record(long startNanos, AsyncResult<Integer> result) {
    if (result.succeeded() && result.result() == 200) {
      recorder.recordValue(System.nanoTime() - startNanos);
      return;
    }
    errors.incrementAndGet();
    String cause = result.succeeded() ? "status " + result.result()
        : result.cause().getClass().getSimpleName();
    causes.computeIfAbsent(cause, c -> new LongAdder()).increment();
  }

  private Future<Integer> send() {
    Buffer body = Buffer.buffer(cerbos ? checkRequest() : proposal());
    String path = cerbos ? "/api/check/resources" : "/v1/decide";
    return client.request(HttpMethod.POST, port, "127.0.0.1", path)
        .compose(request -> request.putHeader("content-type", "application/json").send(body))
        .compose(response -> response.body().map(b -> response.statusCode()));
  }

  private static String tool(ThreadLocalRandom random) {
    int pick = random.nextInt(100);
    return pick < 80 ? "get_user_details" : pick < 95 ? "modify_user_address"
        : "cancel_reservation";
  }

  private static String proposal() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "{\"task_id\":\"bench-" + random.nextInt(TASKS) + "\",\"agent_id\":\"bench\","
        + "\"tool\":\"" + tool(random) + "\",\"args\":{\"user_id\":\"u" + random.nextInt(1000)
        + "\",\"address\":{\"city\":\"Lisbon\",\"zip\":\"1000-001\"}},\"step\":"
        + random.nextInt(1, 20) + ",\"idempotency_key\":\"" + UUID.randomUUID()
        + "\",\"tokens_used\":" + random.nextInt(2000) + "}";
  }

  /** The same call for Cerbos: the tool and the usage counters as resource attributes. */
  private static String checkRequest() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "{\"requestId\":\"" + UUID.randomUUID() + "\",\"principal\":{\"id\":\"bench\","
        + "\"roles\":[\"agent\"]},\"resources\":[{\"actions\":[\"call\"],\"resource\":{"
        + "\"kind\":\"tool\",\"id\":\"bench-" + random.nextInt(TASKS) + "\",\"attr\":{"
        + "\"tool\":\"" + tool(random) + "\",\"user_id\":\"u" + random.nextInt(1000)
        + "\",\"calls_used\":" + random.nextInt(200) + ",\"tokens_used\":"
        + random.nextInt(100_000) + ",\"tokens\":" + random.nextInt(2000)
        + ",\"idempotency_key\":\"" + UUID.randomUUID() + "\"}}}]}";
  }
}
