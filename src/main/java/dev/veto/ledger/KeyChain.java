package dev.veto.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The ledger's chain of signing keys: the key of entry 1, then one period per
 * {@code key_rotation} entry. A rotation entry is signed by the old key and names the new
 * one; the new key signs from the next entry on (docs/LEDGER.md, "Key chain").
 *
 * <p>Threading: filled by recovery before the ledger starts; read-only afterwards (a ledger
 * that appends a rotation closes itself). Methods are synchronised anyway, they are cheap.
 */
public final class KeyChain {

  static final String ROTATION_KIND = "key_rotation";

  /**
   * One key and the seqs it signed: fromSeq to toSeq inclusive, toSeq 0 while in force.
   * publicKey is the raw key in base64, null when the ledger does not hold it (the first key
   * before any rotation; the server fills it from its key file).
   */
  public record KeyPeriod(String keyId, String publicKey, long fromSeq, long toSeq) {}

  /** A well-formed rotation entry's two keys. */
  record Rotation(VerifyingKey oldKey, VerifyingKey newKey) {}

  private final List<KeyPeriod> periods = new ArrayList<>();

  /** Follows one entry (in seq order). Malformed rotations are the verifier's to report. */
  synchronized void observe(LedgerEntry entry) {
    if (entry.seq() == 1) {
      periods.add(new KeyPeriod(entry.keyId(), null, 1, 0));
    }
    if (!ROTATION_KIND.equals(entry.kind())) {
      return;
    }
    Rotation rotation;
    try {
      rotation = parseRotation(entry.data());
    } catch (IllegalArgumentException e) {
      return;
    }
    KeyPeriod last = periods.remove(periods.size() - 1);
    periods.add(new KeyPeriod(last.keyId(), base64(rotation.oldKey()), last.fromSeq(),
        entry.seq()));
    periods.add(new KeyPeriod(rotation.newKey().keyId(), base64(rotation.newKey()),
        entry.seq() + 1, 0));
  }

  /** Starts from the periods of a snapshot's prefix; the chain must be empty. */
  synchronized void adopt(List<KeyPeriod> known) {
    if (!periods.isEmpty()) {
      throw new IllegalStateException("key chain already has periods");
    }
    periods.addAll(known);
  }

  /** The periods as the ledger records them (a first key's public key may be null). */
  synchronized List<KeyPeriod> periods() {
    return List.copyOf(periods);
  }

  /** The id of the key that must sign the next entry, or null for an empty ledger. */
  public synchronized String keyInForce() {
    return periods.isEmpty() ? null : periods.get(periods.size() - 1).keyId();
  }

  /** The id of the key that signed entry 1 (names the log), or null for an empty ledger. */
  public synchronized String firstKeyId() {
    return periods.isEmpty() ? null : periods.get(0).keyId();
  }

  /** Every key period, with a missing public key filled in from current when ids match. */
  public synchronized List<KeyPeriod> periods(VerifyingKey current) {
    List<KeyPeriod> all = new ArrayList<>();
    for (KeyPeriod period : periods) {
      boolean fill = period.publicKey() == null && period.keyId().equals(current.keyId());
      all.add(fill ? new KeyPeriod(period.keyId(), base64(current), period.fromSeq(),
          period.toSeq()) : period);
    }
    if (all.isEmpty()) {
      all.add(new KeyPeriod(current.keyId(), base64(current), 1, 0));
    }
    return all;
  }

  /** The data of a rotation entry from old to next. */
  static ObjectNode rotationData(VerifyingKey old, VerifyingKey next) {
    ObjectNode data = Json.MAPPER.createObjectNode();
    data.put("new_key_id", next.keyId());
    data.put("new_public_key", base64(next));
    data.put("old_key_id", old.keyId());
    data.put("old_public_key", base64(old));
    return data;
  }

  /** Parses a rotation's data; IllegalArgumentException says what is wrong. */
  static Rotation parseRotation(JsonNode data) {
    VerifyingKey oldKey = key(data, "old");
    VerifyingKey newKey = key(data, "new");
    if (data.size() != 4) {
      throw new IllegalArgumentException("key_rotation data must have exactly 4 members");
    }
    if (oldKey.equals(newKey)) {
      throw new IllegalArgumentException("key_rotation names the same key twice");
    }
    return new Rotation(oldKey, newKey);
  }

  private static VerifyingKey key(JsonNode data, String which) {
    JsonNode raw = data.get(which + "_public_key");
    JsonNode id = data.get(which + "_key_id");
    if (raw == null || !raw.isTextual() || id == null || !id.isTextual()) {
      throw new IllegalArgumentException("key_rotation lacks " + which + "_public_key or "
          + which + "_key_id");
    }
    byte[] bytes = Codec.strictBase64(raw.asText());
    if (bytes == null || bytes.length != VerifyingKey.RAW_LENGTH) {
      throw new IllegalArgumentException(which + "_public_key is not 32 bytes in base64");
    }
    VerifyingKey key = VerifyingKey.fromRaw(bytes);
    if (!key.keyId().equals(id.asText())) {
      throw new IllegalArgumentException(which + "_key_id does not match "
          + which + "_public_key");
    }
    return key;
  }

  static String base64(VerifyingKey key) {
    return Base64.getEncoder().encodeToString(key.raw());
  }
}
