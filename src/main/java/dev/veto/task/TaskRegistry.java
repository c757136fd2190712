package dev.veto.task;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Every live task's state, in memory. It is a projection of the ledger: on start it is rebuilt
 * from the decision and outcome entries, so a restart loses nothing that was acknowledged.
 *
 * <p>Tasks are never evicted here yet: memory grows with the number of tasks seen since start
 * (about a few hundred bytes a task). Expiring finished tasks belongs with the lifecycle work.
 */
public final class TaskRegistry {

  private final ConcurrentMap<String, TaskState> tasks = new ConcurrentHashMap<>();

  public TaskState state(String taskId) {
    return tasks.computeIfAbsent(taskId, TaskState::new);
  }

  /** The task if any proposal or entry ever named it; null otherwise (nothing is created). */
  public TaskState find(String taskId) {
    return tasks.get(taskId);
  }

  /** Every task, in no order (for snapshots). */
  public Collection<TaskState> all() {
    return tasks.values();
  }
}
