package dev.veto.crypto;

import java.security.SecureRandom;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 private key. Thread-safe: each {@link #sign} uses its own signer object.
 *
 * <p>{@link #toString} never shows key material, so the key can be logged by accident without
 * leaking.
 */
public final class SigningKey {

  private static final int SEED_LENGTH = 32;

  private final Ed25519PrivateKeyParameters params;
  private final VerifyingKey verifyingKey;

  SigningKey(Ed25519PrivateKeyParameters params) {
    this.params = params;
    this.verifyingKey = new VerifyingKey(params.generatePublicKey());
  }

  /** A fresh key from the platform's strong random source. */
  public static SigningKey generate() {
    return new SigningKey(new Ed25519PrivateKeyParameters(new SecureRandom()));
  }

  /** A key from its 32-byte RFC 8032 seed; for known-answer tests. */
  static SigningKey fromSeed(byte[] seed32) {
    if (seed32 == null || seed32.length != SEED_LENGTH) {
      throw new IllegalArgumentException("Ed25519 seed must be " + SEED_LENGTH + " bytes");
    }
    return new SigningKey(new Ed25519PrivateKeyParameters(seed32, 0));
  }

  /** The 64-byte Ed25519 signature of message (deterministic, RFC 8032). */
  public byte[] sign(byte[] message) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, params);
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }

  public VerifyingKey verifyingKey() {
    return verifyingKey;
  }

  public String keyId() {
    return verifyingKey.keyId();
  }

  Ed25519PrivateKeyParameters params() {
    return params;
  }

  @Override
  public String toString() {
    return "SigningKey[" + keyId() + "]";
  }
}
