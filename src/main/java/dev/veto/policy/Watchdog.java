package dev.veto.policy;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.kie.api.runtime.KieSession;

/**
 * Enforces the evaluation deadline by halting the session that is firing when it passes.
 *
 * <p>A halt only takes effect while fireAllRules runs, and a halt sent just before it starts is
 * lost; so once expired, the watchdog halts again every millisecond until the evaluation
 * leaves. The session reference is handed over under this object's lock, so a session already
 * returned to the pool (and perhaps serving another evaluation) is never halted.
 */
final class Watchdog {

  private static final long REHALT_MILLIS = 1;

  private static final ScheduledThreadPoolExecutor TIMER = createTimer();

  private Watchdog() {}

  private static ScheduledThreadPoolExecutor createTimer() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "veto-policy-watchdog");
      t.setDaemon(true);
      return t;
    });
    // Most evaluations finish long before their deadline; don't keep their timers queued.
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  static Run start(long deadlineMillis) {
    Run run = new Run(deadlineMillis);
    run.schedule(deadlineMillis);
    return run;
  }

  /** One evaluation's deadline. */
  static final class Run implements Runnable {

    private final long deadlineMillis;
    private KieSession current;
    private boolean expired;
    private boolean finished;
    private ScheduledFuture<?> timer;

    private Run(long deadlineMillis) {
      this.deadlineMillis = deadlineMillis;
    }

    private synchronized void schedule(long delayMillis) {
      if (!finished) {
        timer = TIMER.schedule(this, delayMillis, TimeUnit.MILLISECONDS);
      }
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

    synchronized void finish() {
      finished = true;
      current = null;
      if (timer != null) {
        timer.cancel(false);
      }
    }

    @Override
    public void run() {
      synchronized (this) {
        if (finished) {
          return;
        }
        expired = true;
        if (current != null) {
          current.halt();
        }
      }
      schedule(REHALT_MILLIS);
    }

    private void checkExpired() throws PolicyTimeoutException {
      if (expired) {
        throw new PolicyTimeoutException(
            "policy evaluation overran its deadline of " + deadlineMillis + " ms and was halted");
      }
    }
  }
}
