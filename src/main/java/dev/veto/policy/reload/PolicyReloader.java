package dev.veto.policy.reload;

import dev.veto.policy.ActivePolicy;
import dev.veto.policy.Policy;
import dev.veto.policy.PolicyException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload that never serves a broken policy.
 *
 * <p>A reload compiles the rules folder on this class's own single thread (never on an event
 * loop or the evaluator pool), runs the folder's test cases against the result, and only
 * then swaps it into the {@link ActivePolicy} in one atomic step. A decision reads the
 * active policy once, so it is evaluated and recorded under one version. A policy that does
 * not compile or fails its tests is dropped, the old one keeps serving, and the failure is
 * kept for {@link #status()} and logged once. A new version is recorded (the listener's ledger
 * entry) before it serves, so the ledger names each version before any decision made under it.
 *
 * <p><b>Releasing the old version.</b> Every compile has its own KieModule identity (see
 * RuleCompiler). The replaced policy is closed after a grace period: long enough for any
 * decision that read it just before the swap to start evaluating, and the close itself waits
 * for evaluations in flight (Policy counts them), so nothing in flight fails; after it the
 * KieModule is removed from the repository and the rule base can be collected.
 *
 * <p><b>Watching.</b> {@link #watch} polls a digest of the rule files, veto.yaml, the override
 * and the test cases, and reloads once the digest has changed and then held still for one
 * more poll (a debounce: editors and deploy tools write several files, or one file in
 * several steps). Polling rather than a java.nio WatchService: a WatchService misses changes
 * on network and bind-mounted folders, and the symlink swap that Kubernetes uses for
 * mounted config maps; reading a few small files once a second costs next to nothing.
 */
public final class PolicyReloader implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PolicyReloader.class);

  /**
   * Records a version before it serves (the ledger's policy_loaded entry), so that no decision
   * made under it comes before the record of its load. Called on the loader thread; a future
   * that fails, or does not complete within {@value #RECORD_TIMEOUT_SECONDS} s, keeps the
   * candidate from serving.
   */
  public interface Listener {
    CompletableFuture<?> activating(Policy next, Policy current, String trigger);
  }

  static final long RECORD_TIMEOUT_SECONDS = 10;

  /** A reload that did not activate: when, what asked for it, and every problem found. */
  public record Failure(Instant at, String trigger, List<PolicyException.Problem> problems) {}

  /** What a reload did: activated a new version, found nothing new, or failed. */
  public record Outcome(boolean activated, String version, Failure failure) {}

  /** The active version and the last failed attempt, for GET /v1/policy. */
  public record Status(String version, Instant loadedAt, List<String> ruleNames,
      List<String> files, Failure lastFailure, long activations) {}

  private final ActivePolicy active;
  private final Path rulesDir;
  private final Path configFile;
  private final Clock clock;
  private final Duration grace;
  private final Listener listener;
  private final ScheduledExecutorService loader;
  private final Queue<Policy> retiring = new ConcurrentLinkedQueue<>();

  // Written on the loader thread only; read by status() from any thread.
  private volatile Instant loadedAt;
  private volatile Failure lastFailure;
  private volatile long activations;
  private volatile long rejections;
  private String activeFingerprint;
  private String lastAttempt;
  private String pendingFingerprint;

  public PolicyReloader(ActivePolicy active, Path rulesDir, Path configFile, Clock clock,
      Duration grace, Listener listener) {
    this.active = active;
    this.rulesDir = rulesDir;
    this.configFile = configFile;
    this.clock = clock;
    this.grace = grace;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.loadedAt = clock.instant();
    this.loader = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "veto-policy-loader");
      thread.setDaemon(true);
      return thread;
    });
    String fingerprint = RulesFingerprint.of(rulesDir, configFile);
    this.activeFingerprint = fingerprint;
    this.lastAttempt = fingerprint;
  }

  public ActivePolicy active() {
    return active;
  }

  public Path rulesDir() {
    return rulesDir;
  }

  /** Reloads on the loader thread; trigger says who asked ("api", "watch"). */
  public CompletableFuture<Outcome> reload(String trigger) {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    loader.execute(() -> {
      try {
        done.complete(reloadNow(trigger));
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    return done;
  }

  /**
   * Loads another rules folder on the loader thread (for a shadow candidate); the caller owns
   * the policy returned.
   */
  public CompletableFuture<Policy> compile(Path otherRules, Path otherConfig) {
    CompletableFuture<Policy> done = new CompletableFuture<>();
    loader.execute(() -> {
      try {
        done.complete(TestedPolicy.load(otherRules, otherConfig));
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    return done;
  }

  /** Polls the rules folder every interval and reloads changes (see the class comment). */
  public void watch(Duration interval) {
    long millis = Math.max(1, interval.toMillis());
    loader.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
  }

  public Status status() {
    Policy policy = active.current();
    return new Status(policy.version(), loadedAt, policy.ruleNames(), policy.files(),
        lastFailure, activations);
  }

  private void poll() {
    try {
      String now = RulesFingerprint.of(rulesDir, configFile);
      if (now.equals(lastAttempt) || now.equals(activeFingerprint)) {
        pendingFingerprint = null;
        return;
      }
      if (!now.equals(pendingFingerprint)) {
        pendingFingerprint = now;
        return;
      }
      pendingFingerprint = null;
      reloadNow("watch");
    } catch (RuntimeException | LinkageError | StackOverflowError e) {
      // A scheduled task that throws is never run again: the watcher must survive anything.
      log.atError().setMessage("policy watcher failed; it keeps watching")
          .addKeyValue("error", String.valueOf(e)).log();
    }
  }

  private Outcome reloadNow(String trigger) {
    String fingerprint = RulesFingerprint.of(rulesDir, configFile);
    if (fingerprint.equals(activeFingerprint)) {
      return new Outcome(false, active.current().version(), null);
    }
    lastAttempt = fingerprint;
    long started = System.nanoTime();
    Policy candidate;
    try {
      candidate = TestedPolicy.load(rulesDir, configFile);
    } catch (PolicyException e) {
      return failed(trigger, e.problems());
    } catch (RuntimeException | LinkageError | StackOverflowError e) {
      // The compiler itself failed (not the author's rules as such): still a refused load.
      return failed(trigger, List.of(new PolicyException.Problem(rulesDir.toString(), 0,
          "the policy could not be loaded: " + e)));
    }
    if (candidate.version().equals(active.current().version())) {
      // Only the test cases changed: the rules in force are the same.
      activeFingerprint = fingerprint;
      candidate.close();
      return new Outcome(false, candidate.version(), null);
    }
    Outcome outcome = activate(candidate, trigger, (System.nanoTime() - started) / 1_000_000);
    if (outcome.activated()) {
      activeFingerprint = fingerprint;
    }
    return outcome;
  }

  private Outcome activate(Policy candidate, String trigger, long loadMillis) {
    String problem = record(candidate, trigger);
    if (problem != null) {
      candidate.close();
      return failed(trigger, List.of(new PolicyException.Problem("(ledger)", 0, problem)));
    }

    Policy previous = active.swap(candidate);
    loadedAt = clock.instant();
    activations++;
    log.atInfo().setMessage("policy activated")
        .addKeyValue("version", candidate.version())
        .addKeyValue("previous_version", previous.version())
        .addKeyValue("rules", candidate.ruleNames().size())
        .addKeyValue("trigger", trigger)
        .addKeyValue("load_ms", loadMillis).log();
    retire(previous);
    return new Outcome(true, candidate.version(), null);
  }

  /** Null when the load is recorded; otherwise why it could not be. */
  private String record(Policy candidate, String trigger) {
    try {
      listener.activating(candidate, active.current(), trigger)
          .get(RECORD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while recording the policy load";
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      return "the policy load could not be recorded in the ledger, so it does not serve: "
          + cause;
    }
  }

  /** Closes a replaced policy after the grace period (see the class comment). */
  private void retire(Policy previous) {
    if (grace.isZero()) {
      previous.close();
      return;
    }
    retiring.add(previous);
    loader.schedule(() -> {
      retiring.remove(previous);
      previous.close();
    }, grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Outcome failed(String trigger, List<PolicyException.Problem> problems) {
    Failure failure = new Failure(clock.instant(), trigger, List.copyOf(problems));
    rejections++;
    Failure previous = lastFailure;
    lastFailure = failure;
    if (previous == null || !previous.problems().equals(failure.problems())) {
      // Logged once per distinct failure: a watcher retry of the same files says nothing new.
      log.atError().setMessage("policy reload rejected; the active policy keeps serving")
          .addKeyValue("active_version", active.current().version())
          .addKeyValue("trigger", trigger)
          .addKeyValue("problems", problems.stream().map(Object::toString).toList()).log();
    }
    return new Outcome(false, active.current().version(), failure);
  }

  /** Versions activated since start (reloads that took effect). */
  public long activations() {
    return activations;
  }

  /** Reloads refused since start: rules that did not compile or failed their tests. */
  public long rejections() {
    return rejections;
  }

  /** Stops watching and closes the replaced policies still in their grace period. */
  @Override
  public void close() {
    loader.shutdownNow();
    for (Policy policy = retiring.poll(); policy != null; policy = retiring.poll()) {
      policy.close();
    }
  }
}
