package dev.veto.ledger;

import java.util.Base64;
import java.util.HexFormat;

/**
 * Strict decoders for the text forms in ledger entries, bundles and notes: exactly one
 * encoding is accepted for any bytes, so that no byte of a file can change without the
 * change being seen.
 */
final class Codec {

  private static final HexFormat HEX = HexFormat.of();

  private Codec() {}

  /** Standard padded base64 in its one canonical form, or null. */
  static byte[] strictBase64(String text) {
    try {
      byte[] bytes = Base64.getDecoder().decode(text);
      return Base64.getEncoder().encodeToString(bytes).equals(text) ? bytes : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Lowercase hex of exactly length bytes, or null. */
  static byte[] strictHex(String text, int length) {
    if (!EntryFormat.isLowerHex(text, length * 2)) {
      return null;
    }
    return HEX.parseHex(text);
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }
}
