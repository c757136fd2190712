package dev.veto.snapshot;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.veto.crypto.SigningKey;
import dev.veto.decision.ProjectionSnapshot;
import dev.veto.io.AtomicFiles;
import dev.veto.ledger.KeyChain;
import dev.veto.ledger.LedgerPrefix;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of what a start rebuilds from the ledger, in {@code dataDir/snapshots}: so that a
 * start reads the snapshot and the entries after it, not the whole ledger.
 *
 * <p>A snapshot of entries 1..N is two files. {@code snapshot-N.json} holds {@code format},
 * {@code ledger} (a {@link LedgerPrefix}: where entry N ends, its hash, the last checkpoint,
 * the key chain, every entry's offset and Merkle leaf) and {@code projections} (tasks,
 * decisions, approvals, incidents, modes). {@code snapshot-N.sig} is written after it, and
 * makes it count: the SHA-256 of the JSON file, signed with the ledger's key (Ed25519 over
 * {@code "veto-snapshot\n" N "\n" sha256hex "\n"}). Budgets and approvals come from here at
 * start, so a file the key did not sign is never read: whoever can write the data folder but
 * not read the key cannot change them this way.
 *
 * <p>A snapshot is a cache of the ledger, never the record: one that does not check out
 * (unsigned, altered, signed by a rotated key, of another ledger) is skipped with a warning,
 * and the start falls back to an older one or to the whole ledger. The newest {@link #KEEP}
 * whose seal verifies are kept; every other snapshot file goes.
 */
public final class Snapshots {

  public static final String DIR = "snapshots";
  static final int FORMAT = 1;
  static final int KEEP = 2;

  private static final Logger log = LoggerFactory.getLogger(Snapshots.class);
  private static final Pattern SEAL = Pattern.compile("snapshot-(\\d{1,19})\\.sig");
  private static final Pattern FILE = Pattern.compile("snapshot-(\\d{1,19})\\.(json|sig)");
  private static final Pattern LEFTOVER =
      Pattern.compile("\\.snapshot-\\d{1,19}\\.(json|sig)\\..*\\.tmp");
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
      .build();

  /** Reads the projections' JSON value. */
  @FunctionalInterface
  public interface ProjectionReader {
    void read(JsonParser in) throws IOException;
  }

  /** A {@link LedgerPrefix} as saved: offsets packed as 8-byte big-endian, in base64. */
  record SavedPrefix(long seq, String hash, long endOffset, long lastCheckpointSeq,
      List<KeyChain.KeyPeriod> keyPeriods, byte[] offsets, byte[] leaves) {

    static SavedPrefix of(LedgerPrefix prefix) {
      ByteBuffer packed = ByteBuffer.allocate(prefix.offsets().length * Long.BYTES);
      packed.asLongBuffer().put(prefix.offsets());
      return new SavedPrefix(prefix.seq(), prefix.hash(), prefix.endOffset(),
          prefix.lastCheckpointSeq(), prefix.keyPeriods(), packed.array(), prefix.leaves());
    }

    LedgerPrefix prefix() throws IOException {
      if (offsets.length % Long.BYTES != 0) {
        throw new IOException("offsets are not whole 8-byte numbers");
      }
      long[] unpacked = new long[offsets.length / Long.BYTES];
      ByteBuffer.wrap(offsets).asLongBuffer().get(unpacked);
      return new LedgerPrefix(seq, hash, endOffset, lastCheckpointSeq, keyPeriods, unpacked,
          leaves);
    }
  }

  /** The signature file's content. */
  record Seal(int format, long seq, String sha256, String keyId, String signature) {}

  private final Path dir;
  private final SigningKey key;

  public Snapshots(Path dataDir, SigningKey key) {
    this.dir = dataDir.resolve(DIR);
    this.key = key;
  }

  /**
   * Writes the snapshot of prefix and the projections at the same seq, then seals it and
   * drops the older ones beyond {@link #KEEP}. Returns the JSON file. One write at a time: a
   * stop's write must not prune the JSON of a background write before its seal is written.
   */
  public synchronized Path write(LedgerPrefix prefix, ProjectionSnapshot projections)
      throws IOException {
    Files.createDirectories(dir);
    Path json = dir.resolve("snapshot-" + prefix.seq() + ".json");
    MessageDigest sha256 = sha256();
    AtomicFiles.write(json, AtomicFiles.OWNER_ONLY, out -> {
      OutputStream digested = new DigestOutputStream(out, sha256);
      try (JsonGenerator generator = MAPPER.createGenerator(digested)) {
        generator.writeStartObject();
        generator.writeNumberField("format", FORMAT);
        generator.writeFieldName("ledger");
        MAPPER.writeValue(generator, SavedPrefix.of(prefix));
        generator.writeNumberField("decisions", projections.decisionCount());
        generator.writeFieldName("projections");
        projections.write(generator);
        generator.writeEndObject();
      }
    });

    String hex = HEX.formatHex(sha256.digest());
    byte[] signature = key.sign(signedText(prefix.seq(), hex));
    Seal seal = new Seal(FORMAT, prefix.seq(), hex, key.keyId(),
        Base64.getEncoder().encodeToString(signature));
    AtomicFiles.write(sealOf(prefix.seq()), MAPPER.writeValueAsBytes(seal),
        AtomicFiles.OWNER_ONLY);
    prune();
    return json;
  }

  /**
   * The newest snapshot that checks out, open at its projections; null when there is none.
   * The caller must close it.
   */
  public Snapshot openNewest() {
    for (long seq : sealedSeqs()) {
      try {
        Snapshot snapshot = open(seq);
        if (snapshot != null) {
          return snapshot;
        }
      } catch (IOException | RuntimeException e) {
        skip(seq, "unreadable: " + e.getMessage());
      }
    }
    return null;
  }

  private Snapshot open(long seq) throws IOException {
    Seal seal = MAPPER.readValue(sealOf(seq).toFile(), Seal.class);
    Path json = dir.resolve("snapshot-" + seq + ".json");
    String problem = sealProblem(seal, seq);
    if (problem == null && !seal.sha256().equals(HEX.formatHex(digestOf(json)))) {
      problem = "its JSON file does not match its seal";
    }
    if (problem != null) {
      skip(seq, problem);
      return null;
    }

    JsonParser in = MAPPER.createParser(json.toFile());
    try {
      expectField(in, "format");
      if (in.nextIntValue(-1) != FORMAT) {
        throw new IOException("format is not " + FORMAT);
      }
      expectField(in, "ledger");
      in.nextToken();
      LedgerPrefix prefix = MAPPER.readValue(in, SavedPrefix.class).prefix();
      expectField(in, "decisions");
      long decisions = in.nextLongValue(-1);
      expectField(in, "projections");
      return new Snapshot(prefix, decisions, in);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  private String sealProblem(Seal seal, long seq) {
    if (seal.format() != FORMAT || seal.seq() != seq) {
      return "its seal names format " + seal.format() + " and seq " + seal.seq();
    }
    if (!key.keyId().equals(seal.keyId())) {
      return "sealed by key " + seal.keyId() + ", not the key in use " + key.keyId();
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(String.valueOf(seal.signature()));
    } catch (IllegalArgumentException e) {
      return "its signature is not base64";
    }
    if (!key.verifyingKey().verify(signedText(seq, seal.sha256()), signature)) {
      return "its signature does not verify";
    }
    return null;
  }

  private static void expectField(JsonParser in, String name) throws IOException {
    JsonToken token = in.nextToken();
    if (token == JsonToken.START_OBJECT) {
      token = in.nextToken();
    }
    if (token != JsonToken.FIELD_NAME || !name.equals(in.currentName())) {
      throw new IOException("expected field " + name + " at " + in.currentLocation());
    }
  }

  private static byte[] signedText(long seq, String sha256Hex) {
    return ("veto-snapshot\n" + seq + "\n" + sha256Hex + "\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] digestOf(Path file) throws IOException {
    MessageDigest sha256 = sha256();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        sha256.update(buffer, 0, n);
      }
    }
    return sha256.digest();
  }

  /**
   * Throws unless a snapshot could be written now: checked before the costly rebuild of the
   * state, so that a folder made read-only fails at once.
   */
  public void checkWritable() throws IOException {
    Files.createDirectories(dir);
    if (!Files.isWritable(dir)) {
      throw new AccessDeniedException(dir.toString(), null,
          "snapshot folder is not writable");
    }
  }

  /** Seqs of sealed snapshots, newest first. */
  private List<Long> sealedSeqs() {
    List<Long> seqs = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return seqs;
    }
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(file -> {
        Matcher name = SEAL.matcher(file.getFileName().toString());
        long seq = name.matches() ? seqOf(name.group(1)) : -1;
        if (seq > 0) {
          seqs.add(seq);
        }
      });
    } catch (IOException e) {
      log.atWarn().setMessage("snapshot folder unreadable").addKeyValue("dir", dir)
          .addKeyValue("error", String.valueOf(e)).log();
    }
    seqs.sort(Comparator.reverseOrder());
    return seqs;
  }

  /**
   * Keeps the newest {@link #KEEP} snapshots whose seal verifies and deletes every other
   * snapshot file: older ones, ones whose seal does not verify (never counted, so that junk
   * cannot push out a good snapshot), names whose seq is out of range, and temporary files of
   * an interrupted write. The JSON files' digests are not checked here, only at start.
   */
  private void prune() throws IOException {
    Set<Long> kept = new HashSet<>();
    for (long seq : sealedSeqs()) {
      if (kept.size() < KEEP && sealVerifies(seq)) {
        kept.add(seq);
      }
    }

    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        Matcher snapshot = FILE.matcher(name);
        boolean stale = snapshot.matches() && !kept.contains(seqOf(snapshot.group(1)));
        if (stale || LEFTOVER.matcher(name).matches()) {
          delete(file);
        }
      }
    }
  }

  /** The snapshot just written stands whatever happens here, so a failure is only logged. */
  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.atWarn().setMessage("snapshot file not deleted").addKeyValue("file", file)
          .addKeyValue("error", String.valueOf(e)).log();
    }
  }

  private boolean sealVerifies(long seq) {
    try {
      return sealProblem(MAPPER.readValue(sealOf(seq).toFile(), Seal.class), seq) == null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The seq a file name gives, or -1 when it is past Long.MAX_VALUE. */
  private static long seqOf(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private Path sealOf(long seq) {
    return dir.resolve("snapshot-" + seq + ".sig");
  }

  private void skip(long seq, String problem) {
    log.atWarn().setMessage("snapshot skipped").addKeyValue("seq", seq)
        .addKeyValue("problem", problem).log();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
