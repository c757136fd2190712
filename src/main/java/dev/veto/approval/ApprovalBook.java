package dev.veto.approval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every approval and queued action by id: a projection of the ledger (created with their
 * decision entries, settled by {@code approval_settled} entries).
 */
public final class ApprovalBook {

  private final Map<String, Approval> byId = new ConcurrentHashMap<>();

  public void add(Approval approval) {
    byId.put(approval.id(), approval);
  }

  public Optional<Approval> find(String id) {
    return Optional.ofNullable(id == null ? null : byId.get(id));
  }

  /** Those of one kind, of one status when status is not null, oldest first. */
  public List<Approval> list(Approval.Kind kind, Approval.Status status, int limit) {
    List<Approval> out = new ArrayList<>();
    for (Approval approval : byId.values()) {
      if (approval.kind() == kind && (status == null || approval.status() == status)) {
        out.add(approval);
      }
    }
    out.sort(Comparator.comparingLong(Approval::createdAtMillis)
        .thenComparing(Approval::id));
    return out.size() > limit ? out.subList(0, limit) : out;
  }

  /** Every approval and queued action, in no order (for snapshots). */
  public Collection<Approval> all() {
    return byId.values();
  }

  /** How many wait for a person (approvals and queued actions). */
  public long countPending() {
    return byId.values().stream().filter(a -> a.status() == Approval.Status.PENDING).count();
  }

  /** Pending approvals whose time to live has passed at now. */
  public List<Approval> overdue(long nowMillis) {
    List<Approval> out = new ArrayList<>();
    for (Approval approval : byId.values()) {
      if (approval.status() == Approval.Status.PENDING
          && approval.expiresAtMillis() <= nowMillis) {
        out.add(approval);
      }
    }
    return out;
  }
}
