package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import dev.veto.ledger.Checkpoints.Checkpoint;
import dev.veto.ledger.merkle.CompactRange;
import dev.veto.ledger.merkle.MerkleProofException;
import dev.veto.ledger.merkle.MerkleVerifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks an exported bundle with the ledger's first public key alone (docs/LEDGER.md,
 * "Bundles"):
 *
 * <ol>
 *   <li>the file is exactly its own RFC 8785 canonical form, with exactly the known members;
 *   <li>each key rotation line is a valid entry signed by the key then in force, so the chain
 *       of keys runs from the trusted key; the {@code keys} list must equal that chain;
 *   <li>the checkpoint note is signed by the last key of that chain, and every rotation is
 *       in its tree (inclusion proof), so no rotation can be invented or hidden;
 *   <li>entries from..to verify as in the ledger (seq, prev links, hash, key in force,
 *       signature), and their rotations are the ones listed;
 *   <li>the prefix hashes plus the entries' leaves give root(to), and the consistency proof
 *       ties root(to) to the checkpoint's root.
 * </ol>
 *
 * Every byte of the file is covered by one of those checks, which the property test shows.
 */
public final class BundleVerifier {

  private static final Set<String> MEMBERS = Set.of("checkpoint", "consistency", "entries",
      "format", "from", "keys", "prefix", "rotations", "to");

  /** What a bundle proved, or the problem (problem null when it verified). */
  public record Result(String problem, long from, long to, long checkpointSize,
                       String checkpointKeyId, String checkpointTime) {

    static Result failed(String problem) {
      return new Result(problem, 0, 0, 0, null, null);
    }
  }

  private BundleVerifier() {}

  public static Result verify(byte[] bytes, VerifyingKey trusted) {
    try {
      return check(parse(bytes), trusted);
    } catch (IllegalArgumentException e) {
      return Result.failed(e.getMessage());
    } catch (MerkleProofException e) {
      return Result.failed("proof does not hold: " + e.getMessage());
    }
  }

  private static JsonNode parse(byte[] bytes) {
    JsonNode root;
    boolean canonical;
    String text = new String(bytes, UTF_8);
    try {
      root = Json.MAPPER.readTree(text);
      canonical = Arrays.equals(Json.canonical(text).getBytes(UTF_8), bytes);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not valid JSON (truncated or corrupted)");
    }
    require(root != null && root.isObject(), "not a JSON object");
    require(canonical, "not in canonical form (RFC 8785)");
    Set<String> names = new TreeSet<>();
    root.fieldNames().forEachRemaining(names::add);
    require(names.equals(MEMBERS), "members are " + names + ", expected " + MEMBERS);
    require(BundleExporter.FORMAT.equals(root.get("format").asText()),
        "format is not " + BundleExporter.FORMAT);
    return root;
  }

  private static Result check(JsonNode bundle, VerifyingKey trusted)
      throws MerkleProofException {
    String origin = Checkpoints.origin(trusted.keyId());
    long from = count(bundle, "from");
    long to = count(bundle, "to");
    require(from >= 1 && to >= from, "need 1 <= from <= to");

    // Keys first: the checkpoint is signed by the last one.
    List<LedgerEntry> rotations = new ArrayList<>();
    Map<Long, String> rotationLines = new HashMap<>();
    VerifyingKey key = trusted;
    for (JsonNode rotation : array(bundle, "rotations")) {
      String line = text(rotation, "line");
      LedgerEntry entry = signedEntry(line, key);
      require(KeyChain.ROTATION_KIND.equals(entry.kind()), "rotations: entry "
          + entry.seq() + " is a " + entry.kind());
      require(rotations.isEmpty() || entry.seq() > rotations.get(rotations.size() - 1).seq(),
          "rotations out of order");
      key = rotate(entry, key);
      rotations.add(entry);
      rotationLines.put(entry.seq(), line);
    }
    // Compared as canonical bytes: parsed numbers are ints, built ones longs.
    require(Arrays.equals(Json.canonical(keysJson(trusted, rotations)),
        Json.canonical(bundle.get("keys"))),
        "keys do not match the chain of rotations from " + trusted.keyId());

    Checkpoint checkpoint = Checkpoints.verify(text(bundle, "checkpoint"), origin, key);
    long size = checkpoint.size();
    require(to <= size, "checkpoint of " + size + " entries does not cover entry " + to);
    checkRotationProofs(bundle, rotations, size, checkpoint.root());

    List<byte[]> leaves = checkEntries(bundle, from, to, trusted, rotations, rotationLines);
    CompactRange range = CompactRange.of(from - 1, hashes(bundle, "prefix"));
    leaves.forEach(range::append);
    MerkleVerifier.verifyConsistency(to, size, range.root(), checkpoint.root(),
        hashes(bundle, "consistency"));
    return new Result(null, from, to, size, key.keyId(), checkpoint.time());
  }

  private static void checkRotationProofs(JsonNode bundle, List<LedgerEntry> rotations,
      long size, byte[] root) throws MerkleProofException {
    JsonNode listed = bundle.get("rotations");
    for (int i = 0; i < rotations.size(); i++) {
      LedgerEntry entry = rotations.get(i);
      require(entry.seq() <= size, "rotation " + entry.seq() + " is past the checkpoint");
      require(listed.get(i).size() == 2, "rotations: members must be line and proof");
      MerkleVerifier.verifyInclusion(entry.seq() - 1, size, leaf(entry),
          hashes(listed.get(i), "proof"), root);
    }
  }

  /** Verifies the range like a ledger; returns its Merkle leaves. */
  private static List<byte[]> checkEntries(JsonNode bundle, long from, long to,
      VerifyingKey trusted, List<LedgerEntry> rotations, Map<Long, String> rotationLines) {
    VerifyingKey atStart = trusted;
    for (LedgerEntry rotation : rotations) {
      if (rotation.seq() < from) {
        atStart = KeyChain.parseRotation(rotation.data()).newKey();
      }
    }
    JsonNode entries = array(bundle, "entries");
    require(entries.size() == to - from + 1, "entries: " + entries.size()
        + " lines for " + from + ".." + to);
    LedgerVerifier.Walk walk = new LedgerVerifier.Walk(from, null, atStart, null, null,
        Checkpoints.origin(trusted.keyId()));
    List<byte[]> leaves = new ArrayList<>();
    long inRange = 0;
    for (JsonNode line : entries) {
      require(line.isTextual(), "entries must be strings");
      byte[] bytes = line.asText().getBytes(UTF_8);
      long seq = walk.expected;
      String problem = walk.accept(new LineReader.Line(0, bytes, true, bytes.length));
      require(problem == null, "entry " + seq + ": " + problem);
      LedgerEntry entry = walk.last();
      if (KeyChain.ROTATION_KIND.equals(entry.kind())) {
        require(line.asText().equals(rotationLines.get(seq)), "entry " + seq
            + " is a key rotation missing from rotations");
        inRange++;
      }
      leaves.add(leaf(entry));
    }
    long listed = rotations.stream().filter(r -> r.seq() >= from && r.seq() <= to).count();
    require(listed == inRange, "rotations lists a rotation that is not in the entries");
    return leaves;
  }

  private static LedgerEntry signedEntry(String line, VerifyingKey key) {
    byte[] bytes = line.getBytes(UTF_8);
    ParsedLine parsed;
    try {
      parsed = ParsedLine.parse(bytes);
    } catch (ParsedLine.MalformedLineException e) {
      throw new IllegalArgumentException("rotations: " + e.getMessage());
    }
    LedgerEntry entry = parsed.entry();
    LedgerVerifier.Walk walk = new LedgerVerifier.Walk(entry.seq(), null, key, null, null);
    String problem = walk.accept(new LineReader.Line(0, bytes, true, bytes.length));
    require(problem == null, "rotations: entry " + entry.seq() + ": " + problem);
    return entry;
  }

  private static VerifyingKey rotate(LedgerEntry entry, VerifyingKey key) {
    KeyChain.Rotation rotation = KeyChain.parseRotation(entry.data());
    require(rotation.oldKey().equals(key), "rotation " + entry.seq() + " does not start from "
        + key.keyId());
    return rotation.newKey();
  }

  /** The key periods as the bundle lists them: derived, never trusted. */
  static ArrayNode keysJson(VerifyingKey first, List<LedgerEntry> rotations) {
    ArrayNode keys = Json.MAPPER.createArrayNode();
    VerifyingKey key = first;
    long since = 1;
    for (LedgerEntry rotation : rotations) {
      keys.addObject().put("from_seq", since).put("key_id", key.keyId())
          .put("public_key", KeyChain.base64(key)).put("to_seq", rotation.seq());
      key = KeyChain.parseRotation(rotation.data()).newKey();
      since = rotation.seq() + 1;
    }
    keys.addObject().put("from_seq", since).put("key_id", key.keyId())
        .put("public_key", KeyChain.base64(key)).putNull("to_seq");
    return keys;
  }

  private static byte[] leaf(LedgerEntry entry) {
    return EntryFormat.leafHash(Codec.strictHex(entry.hash(), 32),
        Codec.strictBase64(entry.signature()));
  }

  private static List<byte[]> hashes(JsonNode node, String field) {
    List<byte[]> hashes = new ArrayList<>();
    for (JsonNode hash : array(node, field)) {
      byte[] bytes = hash.isTextual() ? Codec.strictHex(hash.asText(), 32) : null;
      require(bytes != null, field + ": not 64 lowercase hex characters");
      hashes.add(bytes);
    }
    return hashes;
  }

  private static JsonNode array(JsonNode node, String field) {
    JsonNode array = node.get(field);
    require(array != null && array.isArray(), field + " must be an array");
    return array;
  }

  private static String text(JsonNode node, String field) {
    JsonNode text = node.get(field);
    require(text != null && text.isTextual(), field + " must be a string");
    return text.asText();
  }

  private static long count(JsonNode node, String field) {
    JsonNode number = node.get(field);
    require(number != null && number.canConvertToExactIntegral() && number.canConvertToLong(),
        field + " must be a whole number");
    return number.asLong();
  }

  private static void require(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(problem);
    }
  }
}
