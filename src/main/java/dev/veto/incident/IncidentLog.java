package dev.veto.incident;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every incident since the ledger began, newest last: a projection of incident entries. */
public final class IncidentLog {

  private final Map<String, Incident> byId = new ConcurrentHashMap<>();
  private final List<Incident> ordered = new CopyOnWriteArrayList<>();

  public void add(Incident incident) {
    if (byId.putIfAbsent(incident.incidentId(), incident) == null) {
      ordered.add(incident);
    }
  }

  public Optional<Incident> find(String incidentId) {
    return Optional.ofNullable(byId.get(incidentId));
  }

  /** Every incident, oldest first. */
  public List<Incident> all() {
    return List.copyOf(ordered);
  }

  /** The latest incidents first, of one task when taskId is not null. */
  public List<Incident> latest(String taskId, int limit) {
    List<Incident> out = new ArrayList<>();
    for (int i = ordered.size() - 1; i >= 0 && out.size() < limit; i--) {
      Incident incident = ordered.get(i);
      if (taskId == null || taskId.equals(incident.taskId())) {
        out.add(incident);
      }
    }
    return out;
  }
}
