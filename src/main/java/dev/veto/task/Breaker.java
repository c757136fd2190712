package dev.veto.task;

import java.util.Locale;

/**
 * A task's circuit breaker, in the usual model: CLOSED lets calls through and counts
 * consecutive failed outcomes; at the threshold it OPENs and refuses everything; after the
 * cool-down the next proposal moves it to HALF_OPEN, where a limited number of trial calls
 * may run; a trial that succeeds closes it, one that fails opens it again. An operator's
 * reset closes it from any state. No other transition exists: {@link #moveTo} refuses them.
 *
 * <p>Threading: guarded by the task's monitor, like the rest of {@link TaskState}.
 */
public final class Breaker {

  /** The breaker's states. */
  public enum State {
    CLOSED, OPEN, HALF_OPEN;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static State fromWire(String wire) {
      return valueOf(wire.toUpperCase(Locale.ROOT));
    }
  }

  private State state = State.CLOSED;
  private int consecutiveFailures;
  private long openedAtMillis = -1;
  private int trialsStarted;

  public State state() {
    return state;
  }

  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  public long openedAtMillis() {
    return openedAtMillis;
  }

  public int trialsStarted() {
    return trialsStarted;
  }

  /** Whether the transition is one the model allows (reset aside). */
  public static boolean isLegal(State from, State to) {
    return switch (from) {
      case CLOSED -> to == State.OPEN;
      case OPEN -> to == State.HALF_OPEN;
      case HALF_OPEN -> to == State.CLOSED || to == State.OPEN;
    };
  }

  /** Applies a transition; an illegal one is a bug and throws. */
  public void moveTo(State to, long atMillis) {
    if (!isLegal(state, to)) {
      throw new IllegalStateException("breaker cannot go from " + state + " to " + to);
    }
    enter(to, atMillis);
  }

  /** The operator's reset: closed, counters cleared, from any state. */
  public void reset() {
    enter(State.CLOSED, -1);
    consecutiveFailures = 0;
  }

  private void enter(State to, long atMillis) {
    state = to;
    trialsStarted = 0;
    if (to == State.OPEN) {
      openedAtMillis = atMillis;
    }
  }

  /** An allowed call: in HALF_OPEN it is one of the trials. */
  public void callAllowed() {
    if (state == State.HALF_OPEN) {
      trialsStarted++;
    }
  }

  /** A reported outcome: counts a failure, or clears the count on success. */
  public void outcome(boolean failed) {
    consecutiveFailures = failed ? consecutiveFailures + 1 : 0;
  }

  /** Takes the state a snapshot recorded, as it was then. */
  public void restore(State saved, int failures, long openedAt, int trials) {
    state = saved;
    consecutiveFailures = failures;
    openedAtMillis = openedAt;
    trialsStarted = trials;
  }

  /** Puts back the count of an outcome whose entry never reached the ledger. */
  public void restoreFailures(int failuresBefore) {
    consecutiveFailures = failuresBefore;
  }
}
