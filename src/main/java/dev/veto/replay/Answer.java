package dev.veto.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.policy.Evaluation;
import dev.veto.policy.Reason;
import dev.veto.policy.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the rules answered, reduced to what replay compares: verdict, tier, and the sorted
 * names of the rules among the reasons. Messages are not compared: they may quote values in
 * another spelling (10.00 sent, 10 in the canonical ledger) without any change of meaning.
 */
public record Answer(Verdict verdict, int tier, List<String> rules) {

  public static Answer of(Evaluation e) {
    return new Answer(e.verdict(), e.tier(),
        e.reasons().stream().map(Reason::rule).distinct().sorted().toList());
  }

  /** From a ledger entry's top level or its "rules" member: {verdict, tier, reasons}. */
  static Answer of(JsonNode node) {
    Verdict verdict = Verdict.valueOf(node.path("verdict").asText().toUpperCase(Locale.ROOT));
    List<String> rules = new ArrayList<>();
    node.path("reasons").forEach(r -> rules.add(r.path("rule").asText()));
    return new Answer(verdict, node.path("tier").asInt(),
        rules.stream().distinct().sorted().toList());
  }

  public String describe() {
    return verdict.wire() + " tier " + tier + " " + rules;
  }
}
