package dev.veto.decision;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.approval.Approval;
import dev.veto.decision.IdempotencyIndex.Claim;
import dev.veto.decision.Projections.Stamped;
import dev.veto.incident.Incident;
import dev.veto.mode.ModeBook;
import dev.veto.policy.Reason;
import dev.veto.policy.Verdict;
import dev.veto.task.TaskState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the projections as one JSON object and reads them back, for snapshots: a start then
 * replays only the entries after the snapshot. Arrays are written in a fixed order (tasks by
 * id, decisions by seq, ...), so two equal states give byte-equal output, which is how the
 * tests compare a state restored from a snapshot with one rebuilt from the whole ledger.
 *
 * <p>Only what the ledger entries build is saved: nothing here is pending (a snapshot is
 * made from replayed entries, or before the server takes requests), so every idempotency
 * claim is a recorded one.
 */
final class ProjectionCodec {

  static final ObjectMapper MAPPER = JsonMapper.builder()
      // One flush per element would be one write call per decision.
      .disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
      .build();

  /**
   * A past decision with its idempotency claim and side effect, if it still has them. There
   * is one for every decision in the ledger, so it is written as a JSON array in this order,
   * without field names: that halves the snapshot and the time to read it back.
   */
  record SavedDecision(String id, String taskId, String agentId, long step, Verdict verdict,
      int tier, String approvalId, long seq, OutcomeStatus outcome, long outcomeTokens,
      long outcomeSeq, String requestHash, String claimKey, long claimAt, long sideEffectAt) {

    void write(JsonGenerator out) throws IOException {
      out.writeStartArray();
      out.writeString(id);
      out.writeString(taskId);
      out.writeString(agentId);
      out.writeNumber(step);
      out.writeString(verdict.name());
      out.writeNumber(tier);
      out.writeString(approvalId);
      out.writeNumber(seq);
      out.writeString(outcome == null ? null : outcome.name());
      out.writeNumber(outcomeTokens);
      out.writeNumber(outcomeSeq);
      out.writeString(requestHash);
      out.writeString(claimKey);
      out.writeNumber(claimAt);
      out.writeNumber(sideEffectAt);
      out.writeEndArray();
    }

    /** Reads one array; strings seen before (task and agent ids) come from shared. */
    static SavedDecision read(JsonParser in, Map<String, String> shared) throws IOException {
      expect(in, in.currentToken(), JsonToken.START_ARRAY);
      String id = in.nextTextValue();
      String taskId = shared.computeIfAbsent(in.nextTextValue(), t -> t);
      String agentId = shared.computeIfAbsent(in.nextTextValue(), a -> a);
      long step = in.nextLongValue(0);
      Verdict verdict = Verdict.valueOf(in.nextTextValue());
      int tier = in.nextIntValue(0);
      String approvalId = in.nextTextValue();
      long seq = in.nextLongValue(0);
      String outcome = in.nextTextValue();
      long outcomeTokens = in.nextLongValue(0);
      long outcomeSeq = in.nextLongValue(0);
      String requestHash = in.nextTextValue();
      String claimKey = in.nextTextValue();
      long claimAt = in.nextLongValue(0);
      long sideEffectAt = in.nextLongValue(0);
      expect(in, in.nextToken(), JsonToken.END_ARRAY);
      return new SavedDecision(id, taskId, agentId, step, verdict, tier, approvalId, seq,
          outcome == null ? null : OutcomeStatus.valueOf(outcome), outcomeTokens, outcomeSeq,
          requestHash, claimKey, claimAt, sideEffectAt);
    }
  }

  /** An approval or queued action with its settlement. */
  record SavedApproval(String id, Approval.Kind kind, String decisionId, String taskId,
      String agentId, String tool, ObjectNode args, String requestHash, String idempotencyKey,
      List<Reason> reasons, long createdAt, long expiresAt, Approval.Status status,
      String settledBy, String comment, long settledAt, String usedBy) {}

  private ProjectionCodec() {}

  static void write(Projections state, JsonGenerator out) throws IOException {
    out.writeStartObject();
    out.writeStringField("policy_loaded", state.policyLoaded);
    out.writeArrayFieldStart("tasks");
    List<TaskState.Saved> tasks = new ArrayList<>();
    state.tasks.all().forEach(task -> tasks.add(task.save()));
    tasks.sort(Comparator.comparing(TaskState.Saved::taskId));
    writeAll(tasks, out);
    out.writeEndArray();

    out.writeArrayFieldStart("decisions");
    for (SavedDecision decision : decisions(state)) {
      decision.write(out);
    }
    out.writeEndArray();

    out.writeArrayFieldStart("approvals");
    List<SavedApproval> approvals = new ArrayList<>();
    state.approvals.all().forEach(approval -> approvals.add(save(approval)));
    approvals.sort(Comparator.comparing(SavedApproval::id));
    writeAll(approvals, out);
    out.writeEndArray();

    out.writeArrayFieldStart("incidents");
    writeAll(state.incidents.all(), out);
    out.writeEndArray();

    out.writeArrayFieldStart("modes");
    List<ModeBook.Setting> modes = new ArrayList<>(state.modes.all());
    modes.sort(Comparator.comparing((ModeBook.Setting s) -> s.scope())
        .thenComparing(s -> String.valueOf(s.id())));
    writeAll(modes, out);
    out.writeEndArray();
    out.writeEndObject();
  }

  private static void writeAll(List<?> values, JsonGenerator out) throws IOException {
    for (Object value : values) {
      MAPPER.writeValue(out, value);
    }
  }

  private static List<SavedDecision> decisions(Projections state) {
    Map<String, Map.Entry<String, Claim>> claims = new HashMap<>();
    state.idempotency.claims().entrySet()
        .forEach(entry -> claims.put(entry.getValue().decisionId(), entry));
    Map<String, Map.Entry<String, Stamped>> sideEffects = new HashMap<>();
    state.sideEffects().entrySet()
        .forEach(entry -> sideEffects.put(entry.getValue().ref().decisionId, entry));

    List<SavedDecision> out = new ArrayList<>(state.decisions.size());
    for (DecisionRef ref : state.decisions.values()) {
      Map.Entry<String, Claim> claim = claims.get(ref.decisionId);
      Map.Entry<String, Stamped> sideEffect = sideEffects.get(ref.decisionId);
      String requestHash = claim != null ? claim.getValue().requestHash
          : sideEffect != null ? sideEffect.getKey() : null;
      out.add(new SavedDecision(ref.decisionId, ref.taskId, ref.agentId, ref.step,
          ref.verdict, ref.tier, ref.approvalId, ref.seq, ref.outcomeStatus, ref.outcomeTokens,
          ref.outcomeSeq, requestHash, claim == null ? null : claim.getKey(),
          claim == null ? -1 : claim.getValue().claimedAtMillis,
          sideEffect == null ? -1 : sideEffect.getValue().atMillis()));
    }
    out.sort(Comparator.comparingLong(SavedDecision::seq));
    return out;
  }

  private static SavedApproval save(Approval a) {
    return new SavedApproval(a.id(), a.kind(), a.decisionId(), a.taskId(), a.agentId(),
        a.tool(), a.args(), a.requestHash(), a.idempotencyKey(), a.reasons(),
        a.createdAtMillis(), a.expiresAtMillis(), a.status(), a.settledBy(), a.comment(),
        a.settledAtMillis(), a.usedBy());
  }

  /** Reads what {@link #write} wrote into empty projections. */
  static void read(JsonParser in, Projections state) throws IOException {
    expect(in, in.nextToken(), JsonToken.START_OBJECT);
    expect(in, in.nextToken(), JsonToken.FIELD_NAME);
    in.nextToken();
    state.policyLoaded = in.getValueAsString();
    Map<String, String> shared = new HashMap<>();
    while (in.nextToken() == JsonToken.FIELD_NAME) {
      String field = in.currentName();
      expect(in, in.nextToken(), JsonToken.START_ARRAY);
      while (in.nextToken() != JsonToken.END_ARRAY) {
        switch (field) {
          case "tasks" -> {
            String taskId = restore(MAPPER.readValue(in, TaskState.Saved.class), state);
            shared.put(taskId, taskId);
          }
          case "decisions" -> restore(SavedDecision.read(in, shared), state);
          case "approvals" -> state.approvals.add(restore(
              MAPPER.readValue(in, SavedApproval.class)));
          case "incidents" -> state.incidents.add(MAPPER.readValue(in, Incident.class));
          case "modes" -> state.modes.set(MAPPER.readValue(in, ModeBook.Setting.class));
          default -> throw new IOException("unknown projection " + field);
        }
      }
    }
    expect(in, in.currentToken(), JsonToken.END_OBJECT);
  }

  private static void expect(JsonParser in, JsonToken found, JsonToken wanted)
      throws IOException {
    if (found != wanted) {
      throw new IOException("expected " + wanted + ", found " + found + " at "
          + in.currentLocation());
    }
  }

  /** Restores a task; returns its id, the one string all its decisions share. */
  private static String restore(TaskState.Saved saved, Projections state) {
    TaskState task = state.tasks.state(saved.taskId());
    task.restore(saved);
    return task.taskId();
  }

  private static void restore(SavedDecision saved, Projections state) {
    DecisionRef ref = new DecisionRef(saved.id(), saved.taskId(), saved.agentId(),
        saved.step(), saved.verdict(), saved.tier(), saved.approvalId());
    ref.seq = saved.seq();
    ref.outcomeStatus = saved.outcome();
    ref.outcomeTokens = saved.outcomeTokens();
    ref.outcomeSeq = saved.outcomeSeq();
    state.decisions.put(ref.decisionId, ref);
    if (saved.claimKey() != null) {
      state.idempotency.restoreIndexed(saved.claimKey(), saved.requestHash(), saved.id(),
          saved.seq(), saved.claimAt());
    }
    if (saved.sideEffectAt() >= 0) {
      state.sideEffect(saved.requestHash(), ref, saved.sideEffectAt());
    }
  }

  private static Approval restore(SavedApproval s) {
    Approval approval = new Approval(s.id(), s.kind(), s.decisionId(), s.taskId(),
        s.agentId(), s.tool(), s.args(), s.requestHash(), s.idempotencyKey(), s.reasons(),
        s.createdAt(), s.expiresAt());
    if (s.status() != Approval.Status.PENDING) {
      approval.settle(s.status(), s.settledBy(), s.comment(), s.settledAt());
      approval.published();
    }
    if (s.usedBy() != null) {
      approval.usedBy(s.usedBy());
    }
    return approval;
  }
}
