package dev.veto.ledger;

/**
 * Proof handed to the caller that an entry is durable: its seq, its hash (lowercase hex), the
 * Ed25519 signature over "veto-ledger-v1\n" + the 32 hash bytes (base64), and the key id.
 * Anyone holding the public key can check it with {@link LedgerVerifier#verifyReceipt}.
 */
public record Receipt(long seq, String hash, String signature, String keyId) {}
