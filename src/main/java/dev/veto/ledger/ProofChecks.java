package dev.veto.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import dev.veto.ledger.Checkpoints.Checkpoint;
import dev.veto.ledger.merkle.MerkleProofException;
import dev.veto.ledger.merkle.MerkleVerifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Offline checks an agent or auditor runs on what the API handed out: a receipt's inclusion
 * in a signed checkpoint, and the consistency of an older checkpoint with a newer one. Inputs
 * are the JSON answers of the API as saved (or, for checkpoints, the bare note text).
 */
public final class ProofChecks {

  private ProofChecks() {}

  /**
   * Checks receipt (a decide answer or its receipt object), inclusionProof (the answer of
   * GET /v1/ledger/proof/inclusion) and checkpoint (a note, or the answer of
   * GET /v1/ledger/checkpoint) with the given public keys.
   *
   * @return the verified checkpoint
   * @throws IllegalArgumentException saying what does not hold
   */
  public static Checkpoint receiptIncluded(String receipt, String inclusionProof,
      String checkpoint, List<VerifyingKey> keys) {
    JsonNode answer = json(receipt, "receipt");
    JsonNode r = answer.has("receipt") ? answer.get("receipt") : answer;
    Receipt parsed = new Receipt(r.path("seq").asLong(), r.path("hash").asText(),
        r.path("signature").asText(), r.path("key_id").asText());
    VerifyingKey signer = keys.stream().filter(k -> k.keyId().equals(parsed.keyId()))
        .findFirst().orElseThrow(() -> new IllegalArgumentException("the receipt is signed by "
            + parsed.keyId() + ", which is not among the keys given"));
    if (!LedgerVerifier.verifyReceipt(parsed, signer)) {
      throw new IllegalArgumentException("the receipt's signature is bad");
    }
    Checkpoint signed = checkpoint(checkpoint, keys);
    JsonNode proof = json(inclusionProof, "proof");
    if (proof.path("seq").asLong() != parsed.seq() || proof.path("size").asLong()
        != signed.size()) {
      throw new IllegalArgumentException("the proof is for entry " + proof.path("seq")
          + " in " + proof.path("size") + " entries; need entry " + parsed.seq() + " in "
          + signed.size() + " (ask with seq=" + parsed.seq() + "&size=" + signed.size() + ")");
    }
    byte[] leaf = EntryFormat.leafHash(Codec.strictHex(parsed.hash(), 32),
        Codec.strictBase64(parsed.signature()));
    try {
      MerkleVerifier.verifyInclusion(parsed.seq() - 1, signed.size(), leaf,
          hashes(proof.path("proof")), signed.root());
    } catch (MerkleProofException e) {
      throw new IllegalArgumentException("the entry is not in the checkpoint: "
          + e.getMessage());
    }
    return signed;
  }

  /**
   * Checks that the newer checkpoint's tree extends the older one's, with consistencyProof
   * (the answer of GET /v1/ledger/proof/consistency?from=OLD&to=NEW).
   */
  public static void consistent(String older, String newer, String consistencyProof,
      List<VerifyingKey> keys) {
    Checkpoint old = checkpoint(older, keys);
    Checkpoint current = checkpoint(newer, keys);
    if (!old.origin().equals(current.origin())) {
      throw new IllegalArgumentException("the checkpoints are of two logs: " + old.origin()
          + " and " + current.origin());
    }
    JsonNode proof = json(consistencyProof, "proof");
    if (proof.path("from").asLong() != old.size() || proof.path("to").asLong()
        != current.size()) {
      throw new IllegalArgumentException("the proof is from " + proof.path("from") + " to "
          + proof.path("to") + "; need from=" + old.size() + "&to=" + current.size());
    }
    try {
      MerkleVerifier.verifyConsistency(old.size(), current.size(), old.root(), current.root(),
          hashes(proof.path("proof")));
    } catch (MerkleProofException e) {
      throw new IllegalArgumentException("the newer checkpoint does not extend the older one"
          + " (the log was rewritten, or the proof is wrong): " + e.getMessage());
    }
  }

  /** A note, or the API's checkpoint answer holding one, signed by one of keys. */
  public static Checkpoint checkpoint(String text, List<VerifyingKey> keys) {
    String note = text.startsWith("{") ? json(text, "checkpoint").path("note").asText() : text;
    String origin = note.substring(0, Math.max(0, note.indexOf('\n')));
    IllegalArgumentException last = new IllegalArgumentException("no key given");
    for (VerifyingKey key : keys) {
      try {
        return Checkpoints.verify(note, origin, key);
      } catch (IllegalArgumentException e) {
        last = e;
      }
    }
    throw new IllegalArgumentException("the checkpoint does not verify: " + last.getMessage());
  }

  private static JsonNode json(String text, String what) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException("the " + what + " is not valid JSON");
    }
  }

  private static List<byte[]> hashes(JsonNode array) {
    List<byte[]> hashes = new ArrayList<>();
    for (JsonNode hash : array) {
      byte[] bytes = Codec.strictHex(hash.asText(), 32);
      if (bytes == null) {
        throw new IllegalArgumentException("a proof hash is not 64 lowercase hex characters");
      }
      hashes.add(bytes);
    }
    return hashes;
  }
}
