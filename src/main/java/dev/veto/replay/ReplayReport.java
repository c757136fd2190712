package dev.veto.replay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.policy.Situation;
import dev.veto.policy.TaskUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What replaying a ledger against candidate rules found: counts, changes by verdict and by
 * rule, the first examples of each verdict change, and the changed cases (bounded) to write
 * out as policy tests.
 */
public final class ReplayReport {

  /** One decision whose answer would change. */
  public record Change(long seq, String decisionId, ObjectNode proposal, TaskUsage usage,
      Situation situation, Answer recorded, Answer replayed) {

    public String verdictChange() {
      return recorded.verdict().wire() + " -> " + replayed.verdict().wire();
    }
  }

  static final int MAX_KEPT_CHANGES = 10_000;

  private final String candidateVersion;
  private final int examplesPerChange;
  long decisions;
  long unchanged;
  long changed;
  long notEvaluatedByRules;
  long failClosedAtTheTime;
  private final Map<String, Long> byVerdict = new TreeMap<>();
  private final Map<String, int[]> byRule = new TreeMap<>();
  private final Map<String, List<Change>> examples = new LinkedHashMap<>();
  private final List<Change> changes = new ArrayList<>();

  ReplayReport(String candidateVersion, int examplesPerChange) {
    this.candidateVersion = candidateVersion;
    this.examplesPerChange = examplesPerChange;
  }

  void add(Change change) {
    changed++;
    byVerdict.merge(change.verdictChange(), 1L, Long::sum);
    for (String rule : change.replayed().rules()) {
      if (!change.recorded().rules().contains(rule)) {
        byRule.computeIfAbsent(rule, r -> new int[2])[0]++;
      }
    }
    for (String rule : change.recorded().rules()) {
      if (!change.replayed().rules().contains(rule)) {
        byRule.computeIfAbsent(rule, r -> new int[2])[1]++;
      }
    }
    List<Change> first = examples.computeIfAbsent(change.verdictChange(), k -> new ArrayList<>());
    if (first.size() < examplesPerChange) {
      first.add(change);
    }
    if (changes.size() < MAX_KEPT_CHANGES) {
      changes.add(change);
    }
  }

  public long decisions() {
    return decisions;
  }

  public long unchanged() {
    return unchanged;
  }

  public long changed() {
    return changed;
  }

  public long notEvaluatedByRules() {
    return notEvaluatedByRules;
  }

  public long failClosedAtTheTime() {
    return failClosedAtTheTime;
  }

  /** "allow -> refuse" to count; a tier or rule change alone counts as "allow -> allow". */
  public Map<String, Long> byVerdict() {
    return byVerdict;
  }

  /** The first changes kept (at most {@value #MAX_KEPT_CHANGES}), in ledger order. */
  public List<Change> changes() {
    return changes;
  }

  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("replayed ").append(decisions).append(" decisions against ")
        .append(candidateVersion).append('\n')
        .append("  unchanged ").append(unchanged).append(", changed ").append(changed)
        .append(", not evaluated by rules ").append(notEvaluatedByRules)
        .append(", fail-closed when recorded (skipped) ").append(failClosedAtTheTime)
        .append('\n');
    if (changed == 0) {
      return out.toString();
    }
    out.append("by verdict (recorded -> replayed):\n");
    byVerdict.forEach((k, v) -> out.append(String.format("  %-36s %8d%n", k, v)));
    out.append("by rule (changed decisions the rule now joins + / leaves -):\n");
    byRule.forEach((rule, n) -> out.append(String.format("  %-36s +%d -%d%n", rule, n[0], n[1])));
    out.append("first examples:\n");
    examples.forEach((kind, list) -> {
      out.append("  ").append(kind).append(":\n");
      list.forEach(c -> out.append("    seq ").append(c.seq()).append(" task ")
          .append(c.proposal().path("task_id").asText()).append(' ')
          .append(c.proposal().path("tool").asText()).append(": recorded ")
          .append(c.recorded().describe()).append("; now ").append(c.replayed().describe())
          .append('\n'));
    });
    return out.toString();
  }
}
