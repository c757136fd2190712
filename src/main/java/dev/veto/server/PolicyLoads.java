package dev.veto.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.decision.DecisionRecord;
import dev.veto.json.Json;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.Receipt;
import dev.veto.policy.Policy;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's {@code policy_loaded} entries: one for every policy version that starts
 * serving (at start-up when it differs from the last one recorded, and at every reload), so
 * the ledger says which rules were in force from which entry on.
 *
 * <p>Data: {@code version}, {@code previous_version} (null for the first), {@code rule_count},
 * {@code files} (sorted names the version covers), {@code trigger} (start, api, watch).
 */
final class PolicyLoads {

  static final String KIND = DecisionRecord.POLICY_LOADED;
  private static final Logger log = LoggerFactory.getLogger(PolicyLoads.class);

  private final Ledger ledger;
  private volatile String lastRecorded;

  /** lastRecorded: the version of the ledger's last policy_loaded entry, null if none. */
  PolicyLoads(Ledger ledger, String lastRecorded) {
    this.ledger = ledger;
    this.lastRecorded = lastRecorded;
  }

  /** The version of the last policy_loaded entry, or null. */
  String lastRecorded() {
    return lastRecorded;
  }

  CompletableFuture<Receipt> record(Policy policy, String previousVersion, String trigger) {
    ObjectNode data = Json.MAPPER.createObjectNode()
        .put("version", policy.version())
        .put("previous_version", previousVersion)
        .put("rule_count", policy.ruleNames().size())
        .put("trigger", trigger);
    ArrayNode files = data.putArray("files");
    policy.files().forEach(files::add);
    lastRecorded = policy.version();
    return ledger.append(KIND, data).whenComplete((receipt, failure) -> {
      if (failure != null) {
        log.atError().setMessage("policy_loaded entry not recorded")
            .addKeyValue("version", policy.version())
            .addKeyValue("error", String.valueOf(failure)).log();
      }
    });
  }
}
