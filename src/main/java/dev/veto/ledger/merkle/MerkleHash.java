package dev.veto.ledger.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * RFC 6962 §2.1 hashing with SHA-256.
 *
 * <p>The 0x00 and 0x01 prefixes keep leaf and interior hashes in separate domains, so a leaf
 * can never be passed off as an interior node (second-preimage resistance of the tree).
 */
public final class MerkleHash {

  /** Length of every hash in the tree, in bytes. */
  public static final int HASH_LENGTH = 32;

  private static final byte LEAF_PREFIX = 0x00;
  private static final byte NODE_PREFIX = 0x01;

  /**
   * One digest a thread: MessageDigest.getInstance looks the provider up each time, which
   * cost more than the hash itself when a start rebuilt a million-leaf tree.
   */
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(MerkleHash::newSha256);

  private MerkleHash() {}

  /** SHA-256(0x00 || data). */
  public static byte[] leafHash(byte[] data) {
    MessageDigest digest = sha256();
    digest.update(LEAF_PREFIX);
    digest.update(data);
    return digest.digest();
  }

  /** SHA-256(0x01 || left || right). */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest digest = sha256();
    digest.update(NODE_PREFIX);
    digest.update(left);
    digest.update(right);
    return digest.digest();
  }

  /** MTH({}) = SHA-256 of the empty string. */
  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  /** This thread's digest, reset. */
  private static MessageDigest sha256() {
    MessageDigest digest = SHA256.get();
    digest.reset();
    return digest;
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256, so this is a broken runtime.
      throw new IllegalStateException("SHA-256 not available", e);
    }
  }
}
