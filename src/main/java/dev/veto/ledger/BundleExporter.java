package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes an auditor's bundle: entries from..to, the latest checkpoint that covers them, the
 * proofs tying them to it, and the key rotations needed to know which key was in force
 * (docs/LEDGER.md, "Bundles"). The bundle is one RFC 8785 canonical JSON object, so that
 * {@link BundleVerifier} can insist on exact bytes.
 */
public final class BundleExporter {

  static final String FORMAT = "veto-bundle-v1";

  private BundleExporter() {}

  /**
   * The bundle's bytes. trusted is the ledger's first public key (it names the log).
   *
   * @throws IllegalArgumentException if the range is empty, outside the ledger, or no
   *     checkpoint covers it yet
   */
  public static byte[] export(Path dataDir, VerifyingKey trusted, long from, long to)
      throws IOException {
    if (from < 1 || to < from) {
      throw new IllegalArgumentException("need 1 <= from <= to, got from " + from
          + " to " + to);
    }
    LedgerScan scan = LedgerScan.of(dataDir, from, to);
    if (to > scan.tree.size()) {
      throw new IllegalArgumentException("the ledger has " + scan.tree.size()
          + " entries; --to " + to + " is beyond it");
    }
    LedgerScan.Line checkpoint = covering(scan, to);
    long size = checkpoint.entry().data().path("size").asLong();

    ObjectNode bundle = Json.MAPPER.createObjectNode();
    bundle.put("checkpoint", checkpoint.entry().data().path("note").asText());
    bundle.set("consistency", hexes(scan.tree.consistencyProof(to, size)));
    ArrayNode entries = bundle.putArray("entries");
    scan.range.forEach(line -> entries.add(new String(line.bytes(), UTF_8)));
    bundle.put("format", FORMAT);
    bundle.put("from", from);
    bundle.set("keys", BundleVerifier.keysJson(trusted, scan.rotations.stream()
        .map(LedgerScan.Line::entry).filter(entry -> entry.seq() <= size).toList()));
    bundle.set("prefix", hexes(scan.tree.prefixRange(from - 1)));
    ArrayNode rotations = bundle.putArray("rotations");
    for (LedgerScan.Line rotation : scan.rotations) {
      if (rotation.entry().seq() <= size) {
        rotations.addObject()
            .put("line", new String(rotation.bytes(), UTF_8))
            .set("proof", hexes(scan.tree.inclusionProof(rotation.entry().seq() - 1, size)));
      }
    }
    bundle.put("to", to);
    return Json.canonical(bundle);
  }

  private static LedgerScan.Line covering(LedgerScan scan, long to) {
    for (int i = scan.checkpoints.size() - 1; i >= 0; i--) {
      LedgerScan.Line line = scan.checkpoints.get(i);
      if (line.entry().data().path("size").asLong() >= to) {
        return line;
      }
    }
    throw new IllegalArgumentException("no checkpoint covers entry " + to + " yet; ask the"
        + " server for one (POST /v1/ledger/checkpoint) or wait for the next interval");
  }

  static ArrayNode hexes(List<byte[]> hashes) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    hashes.forEach(hash -> array.add(Codec.hex(hash)));
    return array;
  }
}
