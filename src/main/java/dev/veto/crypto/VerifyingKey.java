package dev.veto.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 public key: verifies signatures and names the key by a short, stable id.
 *
 * <p>Immutable and thread-safe. {@link #verify} never throws: a verifier that can be made to
 * throw by hostile input is a verifier that someone will wrap in a catch-all that says "ok".
 */
public final class VerifyingKey {

  public static final int RAW_LENGTH = 32;
  public static final int SIGNATURE_LENGTH = 64;
  private static final String KEY_ID_PREFIX = "ed25519:";
  private static final int KEY_ID_HEX_CHARS = 16;

  private final Ed25519PublicKeyParameters params;
  private final String keyId;

  VerifyingKey(Ed25519PublicKeyParameters params) {
    this.params = params;
    this.keyId = computeKeyId(params.getEncoded());
  }

  /** The key from its 32-byte RFC 8032 encoding. */
  public static VerifyingKey fromRaw(byte[] raw32) {
    if (raw32 == null || raw32.length != RAW_LENGTH) {
      int length = raw32 == null ? -1 : raw32.length;
      throw new IllegalArgumentException(
          "Ed25519 public key must be " + RAW_LENGTH + " bytes, got " + length);
    }
    return new VerifyingKey(new Ed25519PublicKeyParameters(raw32, 0));
  }

  /** The 32-byte RFC 8032 encoding (a fresh copy). */
  public byte[] raw() {
    return params.getEncoded();
  }

  /** "ed25519:" followed by the first 16 lowercase hex chars of SHA-256(raw key). */
  public String keyId() {
    return keyId;
  }

  /** True only for a valid 64-byte signature of message under this key; never throws. */
  public boolean verify(byte[] message, byte[] signature) {
    if (message == null || signature == null || signature.length != SIGNATURE_LENGTH) {
      return false;
    }
    try {
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, params);
      verifier.update(message, 0, message.length);
      return verifier.verifySignature(signature);
    } catch (RuntimeException e) {
      // Malformed points and the like: a bad signature, not an error of the caller.
      return false;
    }
  }

  Ed25519PublicKeyParameters params() {
    return params;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof VerifyingKey that && Arrays.equals(raw(), that.raw());
  }

  @Override
  public int hashCode() {
    return keyId.hashCode();
  }

  @Override
  public String toString() {
    return "VerifyingKey[" + keyId + "]";
  }

  private static String computeKeyId(byte[] raw) {
    byte[] digest = sha256(raw);
    String hex = HexFormat.of().formatHex(digest);
    return KEY_ID_PREFIX + hex.substring(0, KEY_ID_HEX_CHARS);
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
