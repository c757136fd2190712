package dev.veto.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SigningKeyTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void rfc8032TestVector1_givesKnownKeyAndSignature() {
    byte[] seed = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

    SigningKey key = SigningKey.fromSeed(seed);
    byte[] signature = key.sign(new byte[0]);

    assertThat(HEX.formatHex(key.verifyingKey().raw()))
        .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    assertThat(HEX.formatHex(signature)).isEqualTo(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  }

  @Test
  void signThenVerify_acceptsOnlyTheSignedMessage() {
    SigningKey key = SigningKey.generate();
    byte[] message = "decision 41".getBytes(UTF_8);

    byte[] signature = key.sign(message);

    assertThat(signature).hasSize(64);
    assertThat(key.verifyingKey().verify(message, signature)).isTrue();
    assertThat(key.verifyingKey().verify("decision 42".getBytes(UTF_8), signature)).isFalse();
    assertThat(SigningKey.generate().verifyingKey().verify(message, signature)).isFalse();
  }

  @Test
  void verify_returnsFalseOnMalformedInputInsteadOfThrowing() {
    VerifyingKey key = SigningKey.generate().verifyingKey();
    byte[] message = {1, 2, 3};

    assertThat(key.verify(message, null)).isFalse();
    assertThat(key.verify(null, new byte[64])).isFalse();
    assertThat(key.verify(message, new byte[63])).isFalse();
    assertThat(key.verify(message, new byte[65])).isFalse();
    assertThat(key.verify(message, new byte[64])).isFalse();
  }

  @Test
  void keyId_isPrefixedFirst16HexOfSha256OfRawKey() {
    SigningKey key = SigningKey.generate();

    String keyId = key.keyId();

    String expected = "ed25519:"
        + HEX.formatHex(VerifyingKey.sha256(key.verifyingKey().raw())).substring(0, 16);
    assertThat(keyId).isEqualTo(expected).matches("ed25519:[0-9a-f]{16}");
    assertThat(key.verifyingKey().keyId()).isEqualTo(keyId);
  }

  @Test
  void fromRaw_roundTripsAndRejectsWrongLength() {
    VerifyingKey key = SigningKey.generate().verifyingKey();

    VerifyingKey copy = VerifyingKey.fromRaw(key.raw());

    assertThat(copy).isEqualTo(key);
    assertThat(copy.keyId()).isEqualTo(key.keyId());
    assertThatThrownBy(() -> VerifyingKey.fromRaw(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("31");
    assertThatThrownBy(() -> VerifyingKey.fromRaw(null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sign_isSafeFromManyThreadsAtOnce() throws Exception {
    SigningKey key = SigningKey.generate();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Boolean>> results = new ArrayList<>();

    for (int i = 0; i < 400; i++) {
      byte[] message = ("m" + i).getBytes(UTF_8);
      results.add(pool.submit(() -> key.verifyingKey().verify(message, key.sign(message))));
    }

    for (Future<Boolean> result : results) {
      assertThat(result.get()).isTrue();
    }
    pool.shutdown();
  }

  @Test
  void toString_neverShowsKeyMaterial() {
    SigningKey key = SigningKey.generate();

    String text = key.toString();

    assertThat(text).isEqualTo("SigningKey[" + key.keyId() + "]");
  }
}
