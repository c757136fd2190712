package dev.veto.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {

  @TempDir
  Path dataDir;

  @Test
  void loadOrCreate_firstCallWritesPrivateKeyWithMode0600() throws IOException {
    SigningKey key = KeyFiles.loadOrCreate(dataDir);

    Path privateFile = dataDir.resolve("keys").resolve(KeyFiles.PRIVATE_KEY_FILE);
    assertThat(Files.getPosixFilePermissions(privateFile))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    // Split so that secret scanners do not take this assertion for a committed key.
    assertThat(Files.readString(privateFile)).startsWith("-----BEGIN " + "PRIVATE KEY-----");
    assertThat(Files.readString(KeyFiles.publicKeyPath(dataDir)))
        .startsWith("-----BEGIN PUBLIC KEY-----");
    assertThat(key.keyId()).matches("ed25519:[0-9a-f]{16}");
  }

  @Test
  void loadOrCreate_secondCallLoadsTheSameKey() throws IOException {
    SigningKey first = KeyFiles.loadOrCreate(dataDir);

    SigningKey second = KeyFiles.loadOrCreate(dataDir);

    assertThat(second.keyId()).isEqualTo(first.keyId());
    byte[] signature = second.sign(new byte[] {7});
    assertThat(first.verifyingKey().verify(new byte[] {7}, signature)).isTrue();
  }

  @Test
  void readPublic_givesTheKeyThatVerifiesTheSigningKey() throws IOException {
    SigningKey key = KeyFiles.loadOrCreate(dataDir);

    VerifyingKey publicKey = KeyFiles.readPublic(KeyFiles.publicKeyPath(dataDir));

    assertThat(publicKey).isEqualTo(key.verifyingKey());
    assertThat(publicKey.verify(new byte[] {1}, key.sign(new byte[] {1}))).isTrue();
  }

  @Test
  void loadOrCreate_refusesGroupReadablePrivateKey() throws IOException {
    KeyFiles.loadOrCreate(dataDir);
    Path privateFile = dataDir.resolve("keys").resolve(KeyFiles.PRIVATE_KEY_FILE);
    Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-r-----"));

    assertThatThrownBy(() -> KeyFiles.loadOrCreate(dataDir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("rw-r-----")
        .hasMessageContaining("chmod 600");
  }

  @Test
  void readPrivate_refusesWorldReadablePrivateKey() throws IOException {
    KeyFiles.writeNew(dataDir);
    Path privateFile = dataDir.resolve(KeyFiles.PRIVATE_KEY_FILE);
    Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw----r--"));

    assertThatThrownBy(() -> KeyFiles.readPrivate(privateFile))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("group or others");
  }

  @Test
  void writeNew_refusesToOverwriteAnExistingPrivateKey() throws IOException {
    SigningKey existing = KeyFiles.writeNew(dataDir);

    assertThatThrownBy(() -> KeyFiles.writeNew(dataDir))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("refusing to overwrite");

    SigningKey reloaded = KeyFiles.readPrivate(dataDir.resolve(KeyFiles.PRIVATE_KEY_FILE));
    assertThat(reloaded.keyId()).isEqualTo(existing.keyId());
  }

  @Test
  void writeNew_leavesNoTempFilesBehind() throws IOException {
    KeyFiles.writeNew(dataDir);

    try (var files = Files.list(dataDir)) {
      assertThat(files.map(path -> path.getFileName().toString()))
          .containsExactlyInAnyOrder(KeyFiles.PRIVATE_KEY_FILE, KeyFiles.PUBLIC_KEY_FILE);
    }
  }

  @Test
  void loadOrCreate_refusesPublicKeyFileOfAnotherKey() throws IOException {
    KeyFiles.loadOrCreate(dataDir);
    Path other = dataDir.resolve("other");
    KeyFiles.writeNew(other);
    Files.copy(other.resolve(KeyFiles.PUBLIC_KEY_FILE), KeyFiles.publicKeyPath(dataDir),
        StandardCopyOption.REPLACE_EXISTING);

    assertThatThrownBy(() -> KeyFiles.loadOrCreate(dataDir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not match");
  }

  @Test
  void readPrivate_rejectsAPublicKeyFile() throws IOException {
    KeyFiles.writeNew(dataDir);
    Path publicFile = dataDir.resolve(KeyFiles.PUBLIC_KEY_FILE);
    Files.setPosixFilePermissions(publicFile, PosixFilePermissions.fromString("rw-------"));

    assertThatThrownBy(() -> KeyFiles.readPrivate(publicFile))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected a PRIVATE KEY PEM block");
  }
}
