package dev.veto.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Content-addressed payloads beside the ledger: {@code DATA/blobs/sha256/ab/<64 hex>}, where
 * the name is the SHA-256 of the bytes and {@code ab} its first two hex digits (so no folder
 * holds more than 1/256 of them). Ledger entries hold only the hash; a payload can be erased
 * (privacy) without touching the hash chain.
 *
 * <p>Writes are atomic and durable before the hash is handed out: temp file, write, force,
 * rename, force the folder. A payload already present is not written again (same name, same
 * bytes). Cost: one create, fsync and rename per new payload, on the caller's thread.
 *
 * <p>Threading: safe from any thread; two writers of the same payload both rename identical
 * bytes into place.
 */
public final class BlobStore {

  static final String DIR = "blobs";
  static final String ERASED_KIND = "blob_erased";
  private static final String ALGORITHM_DIR = "sha256";

  private final Path root;
  private final boolean fsync;

  public BlobStore(Path root, boolean fsync) {
    this.root = root;
    this.fsync = fsync;
  }

  /** The store of a data folder, for offline readers (verify, export). */
  public static BlobStore of(Path dataDir) {
    return new BlobStore(dataDir.resolve(DIR), false);
  }

  /** True for a 64-character lowercase hex name. */
  public static boolean isName(String sha256) {
    return EntryFormat.isLowerHex(sha256, EntryFormat.HASH_HEX_CHARS);
  }

  /** Stores bytes (durably, unless fsync is off) and returns their SHA-256 in hex. */
  public String put(byte[] bytes) throws IOException {
    String name = sha256Hex(bytes);
    Path target = path(name);
    if (Files.exists(target)) {
      return name;
    }
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, ".blob-", ".tmp");
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        if (fsync) {
          out.force(true);
        }
      }
      move(temp, target);
    } finally {
      Files.deleteIfExists(temp);
    }
    if (fsync) {
      Durability.forceDirectory(dir);
    }
    return name;
  }

  /** The payload, or empty if it is not here (never stored, erased, or lost). */
  public Optional<byte[]> get(String sha256) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(path(sha256)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  public boolean contains(String sha256) {
    return Files.exists(path(sha256));
  }

  /** Deletes a payload; false if it was not there. */
  boolean delete(String sha256) throws IOException {
    Path file = path(sha256);
    boolean deleted = Files.deleteIfExists(file);
    if (deleted && fsync) {
      Durability.forceDirectory(file.getParent());
    }
    return deleted;
  }

  Path path(String sha256) {
    if (!isName(sha256)) {
      throw new IllegalArgumentException("not a lowercase hex SHA-256: " + sha256);
    }
    return root.resolve(ALGORITHM_DIR).resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  public static String sha256Hex(byte[] bytes) {
    MessageDigest digest = EntryFormat.sha256();
    return Codec.hex(digest.digest(bytes));
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
