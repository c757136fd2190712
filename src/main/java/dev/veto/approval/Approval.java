package dev.veto.approval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.policy.Reason;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * A decision waiting for a person: a human approval of a {@code require_approval}, or an
 * action held by the {@code queue} mode until an operator releases or drops it. It is bound
 * to the exact request (the hash of task, tool and canonical arguments) and to the
 * idempotency key it came with: only the same request under the same key can use it, once.
 *
 * <p>Threading: status, settlement and use change under the task's monitor; the
 * {@link #settled()} future lets readers wait for a settlement without holding anything.
 */
public final class Approval {

  /** What the approval is for. */
  public enum Kind {
    APPROVAL, QUEUE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Pending, then exactly one settlement. */
  public enum Status {
    PENDING("pending", "queued"),
    APPROVED("approved", "released"),
    DENIED("denied", "dropped"),
    EXPIRED("expired", "expired");

    private final String approvalWire;
    private final String queueWire;

    Status(String approvalWire, String queueWire) {
      this.approvalWire = approvalWire;
      this.queueWire = queueWire;
    }

    public String wire(Kind kind) {
      return kind == Kind.APPROVAL ? approvalWire : queueWire;
    }

    /** Reads either vocabulary: approve/deny for approvals, release/drop for the queue. */
    public static Status fromWire(String wire) {
      for (Status status : values()) {
        if (status.approvalWire.equals(wire) || status.queueWire.equals(wire)) {
          return status;
        }
      }
      throw new IllegalArgumentException("unknown approval status " + wire);
    }
  }

  private final String id;
  private final Kind kind;
  private final String decisionId;
  private final String taskId;
  private final String agentId;
  private final String tool;
  private final ObjectNode args;
  private final String requestHash;
  private final String idempotencyKey;
  private final List<Reason> reasons;
  private final long createdAtMillis;
  private final long expiresAtMillis;
  private final CompletableFuture<Approval> settled = new CompletableFuture<>();
  private volatile Status status = Status.PENDING;
  private volatile String settledBy;
  private volatile String comment;
  private volatile long settledAtMillis = -1;
  private volatile String usedBy;

  public Approval(String id, Kind kind, String decisionId, String taskId, String agentId,
      String tool, ObjectNode args, String requestHash, String idempotencyKey,
      List<Reason> reasons, long createdAtMillis, long expiresAtMillis) {
    this.id = id;
    this.kind = kind;
    this.decisionId = decisionId;
    this.taskId = taskId;
    this.agentId = agentId;
    this.tool = tool;
    this.args = args;
    this.requestHash = requestHash;
    this.idempotencyKey = idempotencyKey;
    this.reasons = List.copyOf(reasons);
    this.createdAtMillis = createdAtMillis;
    this.expiresAtMillis = expiresAtMillis;
  }

  /** Settles a pending approval; false when it was already settled (the other one won). */
  public boolean settle(Status to, String by, String note, long atMillis) {
    if (status != Status.PENDING || to == Status.PENDING) {
      return false;
    }
    status = to;
    settledBy = by;
    comment = note;
    settledAtMillis = atMillis;
    return true;
  }

  /** Puts a settlement back to pending: its ledger entry could not be written. */
  public void unsettle() {
    status = Status.PENDING;
    settledBy = null;
    comment = null;
    settledAtMillis = -1;
  }

  /** Tells the waiters; called once the settlement is in the ledger. */
  public void published() {
    settled.complete(this);
  }

  /** The decision that used a granted approval; an approval is used at most once. */
  public void usedBy(String decision) {
    usedBy = decision;
  }

  public boolean isUsable() {
    return status == Status.APPROVED && usedBy == null;
  }

  public CompletableFuture<Approval> settled() {
    return settled;
  }

  public String id() {
    return id;
  }

  public Kind kind() {
    return kind;
  }

  public String decisionId() {
    return decisionId;
  }

  public String taskId() {
    return taskId;
  }

  public String agentId() {
    return agentId;
  }

  public String tool() {
    return tool;
  }

  public ObjectNode args() {
    return args;
  }

  public String requestHash() {
    return requestHash;
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  public List<Reason> reasons() {
    return reasons;
  }

  public long createdAtMillis() {
    return createdAtMillis;
  }

  /** When a pending approval expires as denied; {@code Long.MAX_VALUE} for queued actions. */
  public long expiresAtMillis() {
    return expiresAtMillis;
  }

  public Status status() {
    return status;
  }

  public String statusWire() {
    return status.wire(kind);
  }

  public String settledBy() {
    return settledBy;
  }

  public String comment() {
    return comment;
  }

  public long settledAtMillis() {
    return settledAtMillis;
  }

  public String usedBy() {
    return usedBy;
  }
}
