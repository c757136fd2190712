package dev.veto.server;

import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.SigningKey;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.ledger.Receipt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code veto keygen --rotate}: replaces the signing key of a stopped server's data folder.
 *
 * <p>Steps, each safe to repeat after a crash (running the command again finishes the job):
 * <ol>
 *   <li>a new key pair in {@code keys/next/} (kept if it is already there);
 *   <li>the first key's public key saved as {@code keys/genesis-key.pub.pem} (what auditors
 *       trust) and the old one as {@code keys/retired/<id>.pub.pem};
 *   <li>a {@code key_rotation} entry signed by the old key naming the new one (skipped if the
 *       ledger already names it);
 *   <li>the new pair renamed over {@code keys/signing-key.pem}: the old private key is gone;
 *   <li>a checkpoint signed by the new key, so every later checkpoint covers the rotation.
 * </ol>
 * The data folder lock makes the command fail at once while a server runs.
 */
public final class KeyRotation {

  private static final Logger log = LoggerFactory.getLogger(KeyRotation.class);

  /** What a rotation did. */
  public record Result(String oldKeyId, String newKeyId, long rotationSeq, long checkpointSeq) {}

  private KeyRotation() {}

  public static Result rotate(Path dataDir, Clock clock) throws IOException {
    Path keys = dataDir.resolve(KeyFiles.KEYS_DIR);
    Path next = keys.resolve(KeyFiles.NEXT_DIR);
    Path privateFile = keys.resolve(KeyFiles.PRIVATE_KEY_FILE);
    if (!Files.exists(privateFile)) {
      throw new IOException("no signing key at " + privateFile + "; nothing to rotate");
    }
    SigningKey current = KeyFiles.readPrivate(privateFile);
    SigningKey nextKey = Files.exists(next.resolve(KeyFiles.PRIVATE_KEY_FILE))
        ? KeyFiles.readPrivate(next.resolve(KeyFiles.PRIVATE_KEY_FILE))
        : writeNext(next);

    long rotationSeq;
    try (Ledger ledger = Ledger.open(dataDir, current, clock, LedgerOptions.defaults())) {
      String inForce = ledger.keys().keyInForce();
      if (nextKey.keyId().equals(inForce)) {
        rotationSeq = ledger.lastSeq();
      } else if (inForce == null || inForce.equals(current.keyId())) {
        keepPublicKeys(keys, current, inForce == null || ledger.keys().firstKeyId()
            .equals(current.keyId()));
        rotationSeq = ledger.rotateTo(nextKey.verifyingKey()).seq();
      } else {
        throw new IOException("the ledger's key in force is " + inForce + ", neither "
            + current.keyId() + " (keys/" + KeyFiles.PRIVATE_KEY_FILE + ") nor "
            + nextKey.keyId() + " (keys/next); restore the right key first");
      }
    }
    KeyFiles.promote(next, keys);

    try (Ledger ledger = Ledger.open(dataDir, nextKey, clock, LedgerOptions.defaults())) {
      Receipt checkpoint = ledger.checkpoint().join();
      log.atInfo().setMessage("signing key rotated").addKeyValue("old_key_id", current.keyId())
          .addKeyValue("new_key_id", nextKey.keyId()).addKeyValue("rotation_seq", rotationSeq)
          .addKeyValue("checkpoint_seq", checkpoint.seq()).log();
      return new Result(current.keyId(), nextKey.keyId(), rotationSeq, checkpoint.seq());
    }
  }

  private static SigningKey writeNext(Path next) throws IOException {
    if (next.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(next,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    return KeyFiles.writeNew(next);
  }

  private static void keepPublicKeys(Path keys, SigningKey current, boolean isFirst)
      throws IOException {
    Path genesis = keys.resolve(KeyFiles.GENESIS_PUBLIC_KEY_FILE);
    if (isFirst && !Files.exists(genesis)) {
      KeyFiles.writePublic(genesis, current.verifyingKey());
    }
    String hex = current.keyId().substring(current.keyId().indexOf(':') + 1);
    KeyFiles.writePublic(keys.resolve(KeyFiles.RETIRED_DIR).resolve(hex + ".pub.pem"),
        current.verifyingKey());
  }
}
