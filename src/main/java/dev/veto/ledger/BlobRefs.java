package dev.veto.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Where entries name payload blobs (docs/LEDGER.md, "Payloads"): {@code context_sha256} in a
 * decision's proposal and {@code response_sha256} in an outcome. Fixed places, not a search
 * through the data, so that no free-form agent argument can pass for a blob reference.
 */
final class BlobRefs {

  private BlobRefs() {}

  static List<String> names(JsonNode data) {
    List<String> names = new ArrayList<>(1);
    add(names, data.path("proposal").path("context_sha256"));
    add(names, data.path("response_sha256"));
    return names;
  }

  private static void add(List<String> names, JsonNode node) {
    if (node.isTextual() && BlobStore.isName(node.asText())) {
      names.add(node.asText());
    }
  }
}
