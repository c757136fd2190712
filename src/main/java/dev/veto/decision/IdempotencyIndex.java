package dev.veto.decision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Maps (agent, idempotency key) to the decision first made under it, for a window of time.
 *
 * <p>A key is claimed before its decision is evaluated, atomically, so two concurrent requests
 * with one key cannot both be decided and charged: the second waits for the first's answer. A
 * claim whose decision never reached the ledger is released, so the agent's retry is decided
 * afresh. The cache's clock is Veto's clock, so expiry is testable and follows ledger time.
 */
final class IdempotencyIndex {

  private final Cache<String, Claim> claims;

  IdempotencyIndex(Clock clock, Duration window) {
    this.claims = Caffeine.newBuilder()
        .ticker(() -> clock.millis() * 1_000_000L)
        .expireAfterWrite(window)
        // Maintenance on the caller: the default (the common fork-join pool) woke another
        // thread on almost every decision.
        .executor(Runnable::run)
        .build();
  }

  /**
   * Claims the key for a new decision. Returns null when the claim is this caller's (it must
   * then complete or release it), or the claim someone else already holds (maybe pending).
   */
  Claim claimOrGet(String agentId, String key, Claim fresh) {
    return claims.asMap().putIfAbsent(indexKey(agentId, key), fresh);
  }

  void release(String agentId, String key, Claim claim) {
    claims.asMap().remove(indexKey(agentId, key), claim);
  }

  /** Records a decision read back from the ledger at start-up. */
  void restore(String agentId, String key, String requestHash, Decision decision) {
    claims.put(indexKey(agentId, key),
        new Claim(requestHash, CompletableFuture.completedFuture(decision)));
  }

  private static String indexKey(String agentId, String key) {
    // A NUL cannot occur in either part: validation rejects control characters.
    return agentId + '\u0000' + key;
  }

  /** A key's first request and its decision, pending until the ledger has it. */
  static final class Claim {
    final String requestHash;
    final CompletableFuture<Decision> decision = new CompletableFuture<>();

    Claim(String requestHash) {
      this.requestHash = requestHash;
    }

    private Claim(String requestHash, CompletableFuture<Decision> done) {
      this(requestHash);
      done.thenAccept(decision::complete);
    }
  }
}
