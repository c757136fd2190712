package dev.veto.crypto;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Key files on disk: the private key as PKCS#8 PEM (mode 0600), the public key as X.509
 * SubjectPublicKeyInfo PEM (the file an auditor receives).
 *
 * <p>The private key is written atomically: a temp file created with mode 0600 from the start
 * (never a window where it is world-readable), written, forced, renamed into place, then the
 * directory forced so the rename survives a crash. A private key file that group or others
 * may access is refused, as ssh does: someone may already have copied it.
 *
 * <p>On file systems without POSIX permissions (Windows) modes are neither set nor checked.
 * Two processes creating the first key in the same directory at the same instant can race;
 * the ledger's file lock makes a second server on the same data directory fail anyway.
 */
public final class KeyFiles {

  public static final String PRIVATE_KEY_FILE = "signing-key.pem";
  public static final String PUBLIC_KEY_FILE = "signing-key.pub.pem";
  public static final String KEYS_DIR = "keys";
  /** The ledger's first public key, kept when keys rotate: what auditors trust. */
  public static final String GENESIS_PUBLIC_KEY_FILE = "genesis-key.pub.pem";
  /** A new key waiting for its rotation entry (keygen --rotate). */
  public static final String NEXT_DIR = "next";
  /** Public keys of rotated-out keys, by key id. */
  public static final String RETIRED_DIR = "retired";

  private static final String PRIVATE_PEM_TYPE = "PRIVATE KEY";
  private static final String PUBLIC_PEM_TYPE = "PUBLIC KEY";
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> PUBLIC_FILE =
      PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private KeyFiles() {}

  /** dataDir/keys/signing-key.pub.pem */
  public static Path publicKeyPath(Path dataDir) {
    return dataDir.resolve(KEYS_DIR).resolve(PUBLIC_KEY_FILE);
  }

  /** The key an auditor trusts by default: keys/genesis-key.pub.pem, else the current one. */
  public static Path trustedPublicKeyPath(Path dataDir) {
    Path genesis = dataDir.resolve(KEYS_DIR).resolve(GENESIS_PUBLIC_KEY_FILE);
    return Files.isRegularFile(genesis) ? genesis : publicKeyPath(dataDir);
  }

  /** Writes a public key file (mode 0644) atomically; replaces an existing one. */
  public static void writePublic(Path file, VerifyingKey key) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    writeAtomically(file, publicPem(key), PUBLIC_FILE);
  }

  /**
   * Moves the key pair in from (keys/next) over the one in to (keys), private key first,
   * each by an atomic rename: the old private key is gone from disk once this returns.
   */
  public static void promote(Path from, Path to) throws IOException {
    readPrivate(from.resolve(PRIVATE_KEY_FILE));
    move(from.resolve(PRIVATE_KEY_FILE), to.resolve(PRIVATE_KEY_FILE));
    move(from.resolve(PUBLIC_KEY_FILE), to.resolve(PUBLIC_KEY_FILE));
    forceDirectory(to.toAbsolutePath());
    Files.deleteIfExists(from);
    forceDirectory(to.toAbsolutePath());
  }

  /** Loads dataDir/keys/signing-key.pem, or generates and writes both files on first start. */
  public static SigningKey loadOrCreate(Path dataDir) throws IOException {
    Path keysDir = dataDir.resolve(KEYS_DIR);
    createPrivateDirectories(keysDir);
    Path privateFile = keysDir.resolve(PRIVATE_KEY_FILE);
    if (!Files.exists(privateFile)) {
      return writeNew(keysDir);
    }

    SigningKey key = readPrivate(privateFile);
    ensurePublicMatches(keysDir.resolve(PUBLIC_KEY_FILE), key);
    return key;
  }

  /** Generates a key and writes both files into dir; refuses to replace a private key. */
  public static SigningKey writeNew(Path dir) throws IOException {
    Path privateFile = dir.resolve(PRIVATE_KEY_FILE);
    if (Files.exists(privateFile)) {
      throw new FileAlreadyExistsException(privateFile.toString(), null,
          "a private key already exists; refusing to overwrite it (move it away first)");
    }
    Files.createDirectories(dir);
    SigningKey key = SigningKey.generate();

    writeAtomically(privateFile, privatePem(key), OWNER_ONLY_FILE);
    writeAtomically(dir.resolve(PUBLIC_KEY_FILE), publicPem(key.verifyingKey()), PUBLIC_FILE);
    return key;
  }

  /** Reads a PKCS#8 PEM Ed25519 private key, refusing one that group or others can access. */
  public static SigningKey readPrivate(Path file) throws IOException {
    checkOwnerOnly(file);
    byte[] der = readPem(file, PRIVATE_PEM_TYPE);
    AsymmetricKeyParameter params = decode(file, () -> PrivateKeyFactory.createKey(der));
    if (!(params instanceof Ed25519PrivateKeyParameters ed25519)) {
      throw new IOException(file + " holds a " + params.getClass().getSimpleName()
          + ", not an Ed25519 private key");
    }
    return new SigningKey(ed25519);
  }

  /** Reads an X.509 SubjectPublicKeyInfo PEM Ed25519 public key. */
  public static VerifyingKey readPublic(Path file) throws IOException {
    byte[] der = readPem(file, PUBLIC_PEM_TYPE);
    AsymmetricKeyParameter params = decode(file, () -> PublicKeyFactory.createKey(der));
    if (!(params instanceof Ed25519PublicKeyParameters ed25519)) {
      throw new IOException(file + " holds a " + params.getClass().getSimpleName()
          + ", not an Ed25519 public key");
    }
    return new VerifyingKey(ed25519);
  }

  private static void ensurePublicMatches(Path publicFile, SigningKey key) throws IOException {
    if (!Files.exists(publicFile)) {
      writeAtomically(publicFile, publicPem(key.verifyingKey()), PUBLIC_FILE);
      return;
    }
    // A stale public file would make every auditor's verification fail, or worse, pass
    // against the wrong key; better to stop the start than to sign under a confusing setup.
    VerifyingKey onDisk = readPublic(publicFile);
    if (!onDisk.equals(key.verifyingKey())) {
      throw new IOException(publicFile + " (" + onDisk.keyId() + ") does not match the private"
          + " key (" + key.keyId() + "); restore the right pair or delete the public file");
    }
  }

  private static String privatePem(SigningKey key) throws IOException {
    byte[] der = PrivateKeyInfoFactory.createPrivateKeyInfo(key.params()).getEncoded();
    return pem(PRIVATE_PEM_TYPE, der);
  }

  private static String publicPem(VerifyingKey key) throws IOException {
    byte[] der = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(key.params())
        .getEncoded();
    return pem(PUBLIC_PEM_TYPE, der);
  }

  private static String pem(String type, byte[] der) throws IOException {
    StringWriter text = new StringWriter();
    try (PemWriter writer = new PemWriter(text)) {
      writer.writeObject(new PemObject(type, der));
    }
    return text.toString();
  }

  private static byte[] readPem(Path file, String expectedType) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    PemObject pem;
    try (PemReader reader = new PemReader(new StringReader(text))) {
      pem = reader.readPemObject();
    }
    if (pem == null || !expectedType.equals(pem.getType())) {
      String found = pem == null ? "no PEM block" : "a " + pem.getType() + " block";
      throw new IOException(file + ": expected a " + expectedType + " PEM block, found " + found);
    }
    return pem.getContent();
  }

  private interface Decoder {
    AsymmetricKeyParameter decode() throws IOException;
  }

  private static AsymmetricKeyParameter decode(Path file, Decoder decoder) throws IOException {
    try {
      return decoder.decode();
    } catch (RuntimeException e) {
      // Bouncy Castle reports malformed DER with unchecked exceptions.
      throw new IOException(file + ": malformed key encoding (" + e.getMessage() + ")", e);
    }
  }

  private static void checkOwnerOnly(Path file) throws IOException {
    if (!supportsPosix(file.getParent())) {
      return;
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
    if (mode.stream().anyMatch(GROUP_OR_OTHER::contains)) {
      throw new IOException("private key " + file + " has mode "
          + PosixFilePermissions.toString(mode) + ", which group or others can access;"
          + " run chmod 600 on it (and consider the key leaked if others could read it)");
    }
  }

  private static void createPrivateDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Files.createDirectories(dir.toAbsolutePath().getParent());
    if (supportsPosix(dir.toAbsolutePath().getParent())) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
    } else {
      Files.createDirectories(dir);
    }
  }

  private static void writeAtomically(Path target, String text, Set<PosixFilePermission> mode)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = createTemp(dir, mode);
    try {
      writeAndForce(temp, text.getBytes(StandardCharsets.US_ASCII));
      move(temp, target);
    } finally {
      Files.deleteIfExists(temp);
    }

    forceDirectory(dir);
  }

  private static Path createTemp(Path dir, Set<PosixFilePermission> mode) throws IOException {
    if (!supportsPosix(dir)) {
      return Files.createTempFile(dir, ".key-", ".tmp");
    }
    // The mode is set at creation, so the file is never readable by others, not even briefly.
    FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(mode);
    Path temp = Files.createTempFile(dir, ".key-", ".tmp", attr);
    // The umask may have removed bits we asked for (the public file's r--r--); set them again.
    Files.setPosixFilePermissions(temp, mode);
    return temp;
  }

  private static void writeAndForce(Path file, byte[] bytes) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void forceDirectory(Path dir) {
    // Linux and macOS allow fsync on a directory; elsewhere this is best effort.
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Not supported on this platform: the rename is still atomic, just maybe not durable.
    }
  }

  private static boolean supportsPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
