package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.crypto.VerifyingKey;
import dev.veto.json.Json;
import dev.veto.ledger.Checkpoints.Checkpoint;
import dev.veto.ledger.merkle.HashTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Offline verification of a ledger file with the public key alone (the auditor's side of
 * docs/LEDGER.md).
 *
 * <p>Checks every line in order, stopping at the first failure: valid JSON, ended by a
 * newline, exactly canonical (RFC 8785), a v1 entry, seq one more than the last, prev equal
 * to the last hash, hash equal to SHA-256 of the canonical BODY, key_id equal to the key in
 * force at that position (the trusted first key, then each key a {@code key_rotation} entry
 * signed by its predecessor names), and a valid Ed25519 signature over
 * "veto-ledger-v1\n" + the hash bytes. Checkpoint entries must carry a valid note signed by
 * the key in force whose root is the Merkle root of the entries it counts.
 *
 * <p>What it proves: every entry up to the reported count was signed by a key of the chain
 * that starts at the trusted key, in this order, with nothing inserted, removed, reordered or
 * changed in between. Entries cut from the END are found only against something held
 * elsewhere: a receipt, or a checkpoint passed to {@link #audit}.
 *
 * <p>Threading: stateless; each call reads the file once with its own buffers.
 */
public final class LedgerVerifier {

  private static final HexFormat HEX = HexFormat.of();

  private LedgerVerifier() {}

  /** Verifies ledgerFileOrDataDir (a file, or a directory holding ledger.jsonl). */
  public static VerifyReport verify(Path ledgerFileOrDataDir, VerifyingKey key)
      throws IOException {
    return audit(ledgerFileOrDataDir, key, null, null).ledger();
  }

  /**
   * Verifies the ledger as {@link #verify} does, then the payload blobs in blobs (null: not
   * checked), then that the ledger contains the tree of trustedCheckpoint (a signed note the
   * auditor kept; null: none), signed by any key of the chain.
   */
  public static AuditReport audit(Path ledgerFileOrDataDir, VerifyingKey key,
                                  BlobStore blobs, String trustedCheckpoint) throws IOException {
    Path file = Files.isDirectory(ledgerFileOrDataDir)
        ? ledgerFileOrDataDir.resolve(EntryFormat.FILE_NAME)
        : ledgerFileOrDataDir;
    Walk walk = new Walk(1, EntryFormat.GENESIS_PREV, key, new HashTree(), blobs);
    walk.deferred = new ArrayList<>();
    Optional<IntegrityFailure> failure = Optional.empty();

    try (LineReader lines = new LineReader(Files.newInputStream(file), Long.MAX_VALUE);
         SignatureChecks signatures = new SignatureChecks()) {
      for (LineReader.Line line = lines.next(); line != null; line = lines.next()) {
        String problem = walk.accept(line);
        if (problem != null) {
          failure = Optional.of(new IntegrityFailure(walk.expected, problem));
          break;
        }
        if (walk.deferred.size() == SignatureChecks.BATCH) {
          failure = signatures.submit(walk.deferred);
          walk.deferred = new ArrayList<>();
          if (failure.isPresent()) {
            break;
          }
        }
      }
      // A bad signature before the first other problem is the first failure.
      Optional<IntegrityFailure> badSignature = signatures.finish(walk.deferred);
      if (badSignature.isPresent()) {
        failure = badSignature;
      }
    }
    long verified = failure.map(f -> f.seq() - 1).orElse(walk.expected - 1);
    VerifyReport ledger = new VerifyReport(verified, failure);
    String checkpointProblem = trustedCheckpoint == null || failure.isPresent() ? null
        : walk.checkTrusted(trustedCheckpoint);
    return new AuditReport(ledger, walk.blobReport(), walk.keys, checkpointProblem);
  }

  /** True if the receipt's signature is valid for its hash under key (key id included). */
  public static boolean verifyReceipt(Receipt receipt, VerifyingKey key) {
    if (receipt == null || !key.keyId().equals(receipt.keyId())
        || !EntryFormat.isLowerHex(receipt.hash(), EntryFormat.HASH_HEX_CHARS)) {
      return false;
    }
    byte[] signature = Codec.strictBase64(receipt.signature());
    byte[] message = EntryFormat.signedMessage(HEX.parseHex(receipt.hash()));
    return signature != null && key.verify(message, signature);
  }

  /**
   * The verifier's state between lines: expected seq, previous hash, key in force, the
   * Merkle tree so far (null: checkpoint roots not checked, as in a bundle), and blob
   * findings. Shared by the ledger file and bundle verifiers.
   */
  static final class Walk {
    long expected;
    private String prev;
    VerifyingKey key;
    final String origin;
    private final HashTree tree;
    private final BlobStore blobs;
    final List<KeyChain.KeyPeriod> keys = new ArrayList<>();
    private final List<String> altered = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> erased = new ArrayList<>();
    private long blobsChecked;
    private LedgerEntry last;
    /** When set, signatures are collected here to be checked in parallel, not inline. */
    List<SignatureChecks.Job> deferred;

    /** prev null: the first line's prev is not checked (a bundle starting mid-ledger). */
    Walk(long firstSeq, String prev, VerifyingKey key, HashTree tree, BlobStore blobs) {
      this(firstSeq, prev, key, tree, blobs, Checkpoints.origin(key.keyId()));
    }

    Walk(long firstSeq, String prev, VerifyingKey key, HashTree tree, BlobStore blobs,
         String origin) {
      this.expected = firstSeq;
      this.prev = prev;
      this.key = key;
      this.tree = tree;
      this.blobs = blobs;
      this.origin = origin;
      keys.add(new KeyChain.KeyPeriod(key.keyId(), KeyChain.base64(key), firstSeq, 0));
    }

    /** Checks one line; the problem, or null after advancing past it. */
    String accept(LineReader.Line line) {
      String problem = check(line);
      if (problem == null) {
        expected++;
      }
      return problem;
    }

    LedgerEntry last() {
      return last;
    }

    private String check(LineReader.Line line) {
      if (line.bytes() == null) {
        return "line longer than " + EntryFormat.MAX_LINE_BYTES + " bytes";
      }
      String text = new String(line.bytes(), UTF_8);
      if (!isJson(text)) {
        return ParsedLine.NOT_JSON;
      }
      if (!line.terminated()) {
        return "last line has no newline (truncated write)";
      }
      if (!isCanonical(text, line.bytes())) {
        return "not in canonical form (RFC 8785)";
      }
      return checkEntry(line.bytes());
    }

    private String checkEntry(byte[] bytes) {
      ParsedLine parsed;
      try {
        parsed = ParsedLine.parse(bytes);
      } catch (ParsedLine.MalformedLineException e) {
        return e.getMessage();
      }
      LedgerEntry entry = parsed.entry();
      if (parsed.version() != EntryFormat.VERSION) {
        return "unsupported version " + parsed.version() + " (this verifier knows v1)";
      }
      if (entry.seq() != expected) {
        return "expected seq " + expected + ", found " + entry.seq();
      }
      if (prev != null && !entry.prev().equals(prev)) {
        return Recovery.prevProblem(expected - 1);
      }
      String problem = checkHashAndSignature(parsed);
      if (problem == null) {
        problem = follow(entry);
      }
      if (problem == null) {
        prev = entry.hash();
        last = entry;
      }
      return problem;
    }

    private String checkHashAndSignature(ParsedLine parsed) {
      // The line is canonical, so its BODY bytes are the canonical BODY the hash covers.
      byte[] hash = parsed.bodyHash();
      LedgerEntry entry = parsed.entry();
      if (!HEX.formatHex(hash).equals(entry.hash())) {
        return "hash mismatch";
      }
      if (!key.keyId().equals(entry.keyId())) {
        return "signed by another key: " + entry.keyId() + retiredNote(entry.keyId());
      }
      byte[] signature = Codec.strictBase64(entry.signature());
      if (signature == null) {
        return "bad signature";
      }
      if (deferred != null) {
        deferred.add(new SignatureChecks.Job(entry.seq(), key, hash, signature));
      } else if (!key.verify(EntryFormat.signedMessage(hash), signature)) {
        return "bad signature";
      }
      if (tree != null) {
        tree.add(EntryFormat.leafHash(hash, signature));
      }
      return null;
    }

    private String retiredNote(String keyId) {
      for (KeyChain.KeyPeriod period : keys) {
        if (period.keyId().equals(keyId) && period.toSeq() != 0) {
          return " (retired after entry " + period.toSeq() + ", not in force here)";
        }
      }
      return "";
    }

    /** Kind-specific checks: key rotations, checkpoints, blob references and erasures. */
    private String follow(LedgerEntry entry) {
      try {
        switch (entry.kind()) {
          case KeyChain.ROTATION_KIND -> rotate(entry);
          case Checkpoints.KIND -> checkpoint(entry);
          case BlobStore.ERASED_KIND -> erased.add(erasedName(entry.data()));
          default -> blobReferences(entry.data());
        }
        return null;
      } catch (IllegalArgumentException e) {
        return entry.kind() + ": " + e.getMessage();
      }
    }

    private static String erasedName(JsonNode data) {
      String name = data.path("sha256").asText();
      if (data.size() != 1 || !BlobStore.isName(name)) {
        throw new IllegalArgumentException("data must be {sha256: 64 lowercase hex}");
      }
      return name;
    }

    private void rotate(LedgerEntry entry) {
      KeyChain.Rotation rotation = KeyChain.parseRotation(entry.data());
      if (!rotation.oldKey().equals(key)) {
        throw new IllegalArgumentException("names old key " + rotation.oldKey().keyId()
            + " but " + key.keyId() + " is in force");
      }
      KeyChain.KeyPeriod current = keys.remove(keys.size() - 1);
      keys.add(new KeyChain.KeyPeriod(current.keyId(), current.publicKey(), current.fromSeq(),
          entry.seq()));
      key = rotation.newKey();
      keys.add(new KeyChain.KeyPeriod(key.keyId(), KeyChain.base64(key), entry.seq() + 1, 0));
    }

    private void checkpoint(LedgerEntry entry) {
      Checkpoint checkpoint = Checkpoints.fromEntry(entry.data(), origin, key);
      if (checkpoint.size() < 1 || checkpoint.size() >= entry.seq()) {
        throw new IllegalArgumentException("size " + checkpoint.size()
            + " is not in 1.." + (entry.seq() - 1));
      }
      if (tree != null && !Arrays.equals(tree.root(checkpoint.size()), checkpoint.root())) {
        throw new IllegalArgumentException("root of " + checkpoint.size()
            + " entries differs from the ledger's");
      }
    }

    private void blobReferences(JsonNode data) {
      if (blobs == null) {
        return;
      }
      for (String name : BlobRefs.names(data)) {
        blobsChecked++;
        try {
          Optional<byte[]> bytes = blobs.get(name);
          if (bytes.isEmpty()) {
            missing.add(name);
          } else if (!BlobStore.sha256Hex(bytes.get()).equals(name)) {
            altered.add(name);
          }
        } catch (IOException e) {
          missing.add(name);
        }
      }
    }

    BlobReport blobReport() {
      if (blobs == null) {
        return null;
      }
      List<String> unexplained = new ArrayList<>(missing);
      unexplained.removeAll(erased);
      List<String> wereErased = new ArrayList<>(missing);
      wereErased.retainAll(erased);
      return new BlobReport(blobsChecked, altered, unexplained, wereErased);
    }

    /** The problem with a checkpoint the auditor kept, against this ledger; null if fine. */
    String checkTrusted(String note) {
      for (KeyChain.KeyPeriod period : keys) {
        VerifyingKey candidate = VerifyingKey.fromRaw(Codec.strictBase64(period.publicKey()));
        Checkpoint checkpoint;
        try {
          checkpoint = Checkpoints.verify(note, origin, candidate);
        } catch (IllegalArgumentException e) {
          continue;
        }
        if (checkpoint.size() > tree.size()) {
          return "the checkpoint counts " + checkpoint.size() + " entries but the ledger has "
              + tree.size() + ": entries were removed from the end";
        }
        if (!Arrays.equals(tree.root(checkpoint.size()), checkpoint.root())) {
          return "the first " + checkpoint.size() + " entries do not have the checkpoint's"
              + " root: the ledger was rewritten";
        }
        return null;
      }
      return "the checkpoint is not a valid note of " + origin + " signed by a key of the chain";
    }
  }

  private static boolean isJson(String text) {
    try {
      JsonNode node = Json.MAPPER.readTree(text);
      return node != null && node.isObject();
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isCanonical(String text, byte[] bytes) {
    try {
      return Arrays.equals(Json.canonical(text).getBytes(UTF_8), bytes);
    } catch (IOException | RuntimeException e) {
      // JCS refuses some values Jackson reads (numbers beyond double range): not canonical.
      return false;
    }
  }
}
