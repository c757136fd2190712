package dev.veto.task;

import dev.veto.policy.Limits;
import dev.veto.policy.TaskUsage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one task has spent: tool calls, tokens, wall-clock since its first proposal, and failed
 * outcomes per step.
 *
 * <p>Threading: not thread-safe by itself. Every read and change happens while the caller holds
 * the task's monitor ({@code synchronized (state)}), which is what serialises the decisions of
 * one task: two concurrent proposals can never both spend the task's last unit of budget,
 * because the second one is evaluated against the charge of the first.
 */
public final class TaskState {

  private final String taskId;
  private long firstSeenMillis = -1;
  private long calls;
  private long tokens;
  private final Map<Long, Integer> failuresByStep = new HashMap<>();
  private final Breaker breaker = new Breaker();
  private final Deque<RecentDecision> recent = new ArrayDeque<>();
  private final Set<String> tripped = new HashSet<>();
  private Halt halt;
  private long firstSeq = -1;

  /** How many of the task's latest decisions are kept to show approvers and operators. */
  public static final int RECENT = 10;

  TaskState(String taskId) {
    this.taskId = taskId;
  }

  /** A task stopped by an operator or by Veto; null when it runs. */
  public record Halt(String by, String reason, long atMillis) {}

  /** A short line about one decision, for the context of an approval or a task view. */
  public record RecentDecision(String decisionId, String tool, String verdict, int tier,
      long atMillis) {}

  public Breaker breaker() {
    return breaker;
  }

  public Halt halt() {
    return halt;
  }

  public void halt(Halt newHalt) {
    halt = newHalt;
  }

  /**
   * The operator's reset: budgets, failures, breaker and halt start afresh; the wall clock
   * restarts at the next proposal. Recent decisions stay, they are history.
   */
  public void reset() {
    firstSeenMillis = -1;
    calls = 0;
    tokens = 0;
    failuresByStep.clear();
    breaker.reset();
    tripped.clear();
    halt = null;
  }

  /** Records that a limit tripped; true only the first time (one incident per trigger). */
  public boolean trip(String trigger) {
    return tripped.add(trigger);
  }

  /** The seq of the task's first ledger entry, the start of an incident's range. */
  public long firstSeq() {
    return firstSeq;
  }

  public void recorded(long seq) {
    if (firstSeq < 0) {
      firstSeq = seq;
    }
  }

  public void remember(RecentDecision decision) {
    recent.addLast(decision);
    if (recent.size() > RECENT) {
      recent.removeFirst();
    }
  }

  public List<RecentDecision> recentDecisions() {
    return List.copyOf(recent);
  }

  public String taskId() {
    return taskId;
  }

  /** Starts the wall clock at the task's first proposal; later calls change nothing. */
  public void touch(long nowMillis) {
    if (firstSeenMillis < 0) {
      firstSeenMillis = nowMillis;
    }
  }

  public TaskUsage usage(long step, long nowMillis) {
    long elapsed = firstSeenMillis < 0 ? 0 : Math.max(0, nowMillis - firstSeenMillis);
    return new TaskUsage(calls, tokens, elapsed, failuresByStep.getOrDefault(step, 0));
  }

  public void charge(long callCount, long tokenCount) {
    calls += callCount;
    tokens += tokenCount;
  }

  /** Gives back a charge whose decision never reached the ledger. */
  public void refund(long callCount, long tokenCount) {
    calls -= callCount;
    tokens -= tokenCount;
  }

  public void recordFailure(long step) {
    failuresByStep.merge(step, 1, Integer::sum);
  }

  public void forgetFailure(long step) {
    failuresByStep.computeIfPresent(step, (s, n) -> n <= 1 ? null : n - 1);
  }

  /** What is left of each budget, never below zero. */
  public Remaining remaining(Limits limits, long step, long nowMillis) {
    TaskUsage usage = usage(step, nowMillis);
    return new Remaining(
        Math.max(0, limits.maxCalls() - usage.calls()),
        Math.max(0, limits.maxTokens() - usage.tokens()),
        Math.max(0, limits.maxWallClockMillis() - usage.elapsedMillis()),
        Math.max(0, limits.maxFailuresPerStep() - usage.failuresInStep()));
  }

  /**
   * Everything a task holds, for a snapshot of the projections; {@link #restore} takes it
   * back. Lists are sorted where the state has no order, so equal states give equal snapshots.
   */
  public record Saved(String taskId, long firstSeenMillis, long calls, long tokens,
      Map<Long, Integer> failuresByStep, Breaker.State breaker, int breakerFailures,
      long breakerOpenedAt, int breakerTrials, List<RecentDecision> recent,
      List<String> tripped, Halt halt, long firstSeq) {}

  public Saved save() {
    return new Saved(taskId, firstSeenMillis, calls, tokens, new TreeMap<>(failuresByStep),
        breaker.state(), breaker.consecutiveFailures(), breaker.openedAtMillis(),
        breaker.trialsStarted(), List.copyOf(recent), new TreeSet<>(tripped).stream().toList(),
        halt, firstSeq);
  }

  /** Takes back a saved state; the task must be fresh. */
  public void restore(Saved saved) {
    firstSeenMillis = saved.firstSeenMillis();
    calls = saved.calls();
    tokens = saved.tokens();
    failuresByStep.putAll(saved.failuresByStep());
    breaker.restore(saved.breaker(), saved.breakerFailures(), saved.breakerOpenedAt(),
        saved.breakerTrials());
    recent.addAll(saved.recent());
    tripped.addAll(saved.tripped());
    halt = saved.halt();
    firstSeq = saved.firstSeq();
  }

  /** The budgets left after a decision, as reported to the agent. */
  public record Remaining(long toolCalls, long tokens, long wallClockMillis, int failuresInStep) {}
}
