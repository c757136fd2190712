package dev.veto.shadow;

import dev.veto.policy.Evaluation;
import dev.veto.policy.Policy;
import dev.veto.policy.Reason;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import dev.veto.policy.ToolCall;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A candidate policy evaluated next to the active one (a shadow run). The agent only ever
 * gets the active policy's answer: {@link #observe} hands the candidate's evaluation to one
 * thread of its own behind a bounded queue and returns at once; when the queue is full the
 * observation is dropped and counted. Disagreements (verdict, tier or rules) are counted and
 * the last {@value #KEPT} kept for review. The candidate's evaluations count against its own
 * deadline like the active one's; a failure or timeout is counted as failed.
 */
public final class ShadowRunner implements AutoCloseable {

  static final int KEPT = 1000;
  static final int QUEUE = 1024;
  private static final Logger log = LoggerFactory.getLogger(ShadowRunner.class);

  /** One candidate with its counts; replaced whole when another candidate starts. */
  private record Run(Policy candidate, String source, Instant since, AtomicLong agreed,
      AtomicLong disagreed, AtomicLong failed, AtomicLong dropped) {}

  /** What a disagreement keeps: the inputs and both answers. */
  public record Disagreement(Instant at, String taskId, String tool, String activeVersion,
      Evaluation active, String candidateVersion, Evaluation candidate, List<String> differs) {}

  /** For GET /v1/policy/shadow; candidateVersion is null when no shadow run is on. */
  public record Status(String candidateVersion, String source, Instant since, long agreed,
      long disagreed, long failed, long dropped, List<Disagreement> disagreements) {}

  private final Clock clock;
  private final int keep;
  private final ThreadPoolExecutor executor;
  private final Deque<Disagreement> kept = new ArrayDeque<>();
  private final Counter agreedCounter;
  private final Counter disagreedCounter;
  private final Counter failedCounter;
  private final Counter droppedCounter;
  private volatile Run run;

  public ShadowRunner(MeterRegistry metrics, Clock clock) {
    this(metrics, clock, KEPT, QUEUE);
  }

  /** keep: disagreements kept; queue: observations waiting for the shadow thread. */
  ShadowRunner(MeterRegistry metrics, Clock clock, int keep, int queue) {
    this.clock = clock;
    this.keep = keep;
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queue), r -> {
          Thread thread = new Thread(r, "veto-shadow");
          thread.setDaemon(true);
          return thread;
        });
    this.agreedCounter = counter(metrics, "agreed");
    this.disagreedCounter = counter(metrics, "disagreed");
    this.failedCounter = counter(metrics, "failed");
    this.droppedCounter = counter(metrics, "dropped");
  }

  private static Counter counter(MeterRegistry metrics, String result) {
    return Counter.builder("veto.shadow.evaluations")
        .description("decisions also evaluated by the shadow candidate, by result")
        .tag("result", result).register(metrics);
  }

  /** Starts a shadow run of candidate (which this runner now owns); ends any earlier one. */
  public void start(Policy candidate, String source) {
    Run previous = run;
    run = new Run(candidate, source, clock.instant(), new AtomicLong(), new AtomicLong(),
        new AtomicLong(), new AtomicLong());
    synchronized (kept) {
      kept.clear();
    }
    if (previous != null) {
      retire(previous.candidate());
    }
    log.atInfo().setMessage("shadow run started").addKeyValue("candidate", candidate.version())
        .addKeyValue("source", source).log();
  }

  /** Ends the shadow run, if any, and returns its final status. */
  public Status stop() {
    Status last = status();
    Run previous = run;
    run = null;
    if (previous != null) {
      retire(previous.candidate());
      log.atInfo().setMessage("shadow run stopped")
          .addKeyValue("candidate", previous.candidate().version())
          .addKeyValue("agreed", last.agreed()).addKeyValue("disagreed", last.disagreed())
          .log();
    }
    return last;
  }

  /**
   * Called on the decision path right after the active evaluation. Never blocks, never
   * throws, never changes anything the agent gets; the ToolCall is built on the shadow thread.
   */
  public void observe(String activeVersion, Supplier<ToolCall> call, TaskUsage usage,
      Situation situation, Evaluation active) {
    Run current = run;
    if (current == null) {
      return;
    }
    try {
      executor.execute(() -> evaluate(current, activeVersion, call, usage, situation, active));
    } catch (RejectedExecutionException e) {
      current.dropped().incrementAndGet();
      droppedCounter.increment();
    } catch (RuntimeException e) {
      current.failed().incrementAndGet();
      failedCounter.increment();
    }
  }

  private void evaluate(Run current, String activeVersion, Supplier<ToolCall> callSupplier,
      TaskUsage usage, Situation situation, Evaluation active) {
    try {
      ToolCall call = callSupplier.get();
      Evaluation candidate = current.candidate().evaluate(call, usage, situation);
      List<String> differs = differences(active, candidate);
      if (differs.isEmpty()) {
        current.agreed().incrementAndGet();
        agreedCounter.increment();
        return;
      }
      current.disagreed().incrementAndGet();
      disagreedCounter.increment();
      keep(current, new Disagreement(clock.instant(), call.getTaskId(), call.getRawTool(),
          activeVersion, active, current.candidate().version(), candidate, differs));
    } catch (Exception | StackOverflowError e) {
      current.failed().incrementAndGet();
      failedCounter.increment();
    }
  }

  static List<String> differences(Evaluation a, Evaluation b) {
    List<String> out = new ArrayList<>();
    if (a.verdict() != b.verdict()) {
      out.add("verdict");
    }
    if (a.tier() != b.tier()) {
      out.add("tier");
    }
    if (!rules(a).equals(rules(b))) {
      out.add("rules");
    }
    return out;
  }

  static List<String> rules(Evaluation e) {
    return e.reasons().stream().map(Reason::rule).distinct().sorted().toList();
  }

  private void keep(Run current, Disagreement disagreement) {
    synchronized (kept) {
      if (run != current) {
        return;
      }
      if (kept.size() == keep) {
        kept.removeFirst();
      }
      kept.addLast(disagreement);
    }
  }

  public Status status() {
    Run current = run;
    if (current == null) {
      return new Status(null, null, null, 0, 0, 0, 0, List.of());
    }
    List<Disagreement> copy;
    synchronized (kept) {
      copy = List.copyOf(kept);
    }
    return new Status(current.candidate().version(), current.source(), current.since(),
        current.agreed().get(), current.disagreed().get(), current.failed().get(),
        current.dropped().get(), copy);
  }

  /** Closed behind the queued evaluations, so those still finish on it. */
  private void retire(Policy candidate) {
    try {
      executor.execute(candidate::close);
    } catch (RejectedExecutionException e) {
      candidate.close();
    }
  }

  @Override
  public void close() {
    Run current = run;
    run = null;
    executor.shutdownNow();
    if (current != null) {
      current.candidate().close();
    }
  }
}
