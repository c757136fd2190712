package dev.veto.policy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.kie.api.runtime.KieSession;

/**
 * Enforces the evaluation deadline by halting the session that is firing when it passes.
 *
 * <p>One sweeper thread looks at the evaluations in flight every {@value #SWEEP_MILLIS} ms and
 * halts those past their deadline. This costs each evaluation only an add and a remove in a
 * concurrent set: an earlier design scheduled a timer per evaluation, which woke the timer
 * thread on most decisions and showed up in profiles of the decide path. The price is
 * precision: a deadline is enforced up to {@value #SWEEP_MILLIS} ms late.
 *
 * <p>A halt only takes effect while fireAllRules runs, and a halt sent just before it starts is
 * lost; so an expired evaluation is halted again at every sweep until it leaves. The session
 * reference is handed over under the run's lock, so a session already returned to the pool
 * (and perhaps serving another evaluation) is never halted.
 */
final class Watchdog {

  static final long SWEEP_MILLIS = 2;

  private static final Set<Run> IN_FLIGHT = ConcurrentHashMap.newKeySet();

  static {
    ScheduledThreadPoolExecutor sweeper = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "veto-policy-watchdog");
      t.setDaemon(true);
      return t;
    });
    sweeper.scheduleWithFixedDelay(Watchdog::sweep, SWEEP_MILLIS, SWEEP_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private Watchdog() {}

  static Run start(long deadlineMillis) {
    Run run = new Run(deadlineMillis, System.nanoTime() + deadlineMillis * 1_000_000L);
    IN_FLIGHT.add(run);
    return run;
  }

  private static void sweep() {
    long now = System.nanoTime();
    for (Run run : IN_FLIGHT) {
      if (now - run.deadlineNanos >= 0) {
        run.expire();
      }
    }
  }

  /** One evaluation's deadline. */
  static final class Run {

    private final long deadlineMillis;
    private final long deadlineNanos;
    private KieSession current;
    private boolean expired;

    private Run(long deadlineMillis, long deadlineNanos) {
      this.deadlineMillis = deadlineMillis;
      this.deadlineNanos = deadlineNanos;
    }

    /** Called before a phase fires; refuses to start one after the deadline. */
    synchronized void enter(KieSession session) throws PolicyTimeoutException {
      checkExpired();
      current = session;
    }

    /** Called after a phase fired, before the session goes back to the pool. */
    synchronized void leave() throws PolicyTimeoutException {
      current = null;
      checkExpired();
    }

    void finish() {
      IN_FLIGHT.remove(this);
      synchronized (this) {
        current = null;
      }
    }

    private synchronized void expire() {
      expired = true;
      if (current != null) {
        current.halt();
      }
    }

    private void checkExpired() throws PolicyTimeoutException {
      if (expired) {
        throw new PolicyTimeoutException(
            "policy evaluation overran its deadline of " + deadlineMillis + " ms and was halted");
      }
    }
  }
}
