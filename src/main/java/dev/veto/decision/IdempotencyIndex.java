package dev.veto.decision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Maps (agent, idempotency key) to the decision first made under it, for a window of time.
 *
 * <p>A key is claimed before its decision is evaluated, atomically, so two concurrent requests
 * with one key cannot both be decided and charged: the second waits for the first's answer. A
 * claim whose decision never reached the ledger is released, so the agent's retry is decided
 * afresh. Once recorded, a claim keeps only the request hash and the entry's seq: the answer
 * itself is read back from the ledger on a retry, which keeps memory per key small. The
 * cache's clock is Veto's clock, so expiry is testable, and a key expires one window after
 * its first use, also across restarts.
 */
final class IdempotencyIndex {

  private final Cache<String, Claim> claims;

  private final Clock clock;

  IdempotencyIndex(Clock clock, Duration window, int expectedClaims) {
    this.clock = clock;
    this.claims = Caffeine.newBuilder()
        .initialCapacity(expectedClaims)
        .ticker(() -> clock.millis() * 1_000_000L)
        .expireAfter(new ExpireFromStamp<String, Claim>(window, claim -> claim.claimedAtMillis))
        // Maintenance on the caller: the default (the common fork-join pool) woke another
        // thread on almost every decision.
        .executor(Runnable::run)
        .build();
  }

  /**
   * Claims the key for a new decision. Returns null when the claim is this caller's (it must
   * then record or release it), or the claim someone else already holds (maybe pending).
   */
  Claim claimOrGet(String agentId, String key, Claim fresh) {
    return claims.asMap().putIfAbsent(indexKey(agentId, key), fresh);
  }

  /**
   * Moves the key from a settled decision to a new one (after an approval or a release),
   * atomically: of two racing retries only one gets to decide, the other waits for it.
   */
  boolean replace(String agentId, String key, Claim old, Claim fresh) {
    return claims.asMap().replace(indexKey(agentId, key), old, fresh);
  }

  void release(String agentId, String key, Claim claim) {
    claims.asMap().remove(indexKey(agentId, key), claim);
  }

  /** Records a decision read back from the ledger at start-up. */
  void restore(String agentId, String key, String requestHash, String decisionId, long seq,
      long atMillis) {
    restoreIndexed(indexKey(agentId, key), requestHash, decisionId, seq, atMillis);
  }

  /** Every live claim with its index key (agent NUL key), for snapshots. */
  Map<String, Claim> claims() {
    return claims.asMap();
  }

  /** Takes back a recorded claim from a snapshot, under its index key. */
  void restoreIndexed(String indexKey, String requestHash, String decisionId, long seq,
      long atMillis) {
    claims.put(indexKey, Claim.recorded(requestHash, atMillis, decisionId, seq));
  }

  /** A fresh claim, stamped with Veto's clock. */
  Claim newClaim(String requestHash) {
    return new Claim(requestHash, clock.millis());
  }

  private static String indexKey(String agentId, String key) {
    // A NUL cannot occur in either part: validation rejects control characters.
    return agentId + '\u0000' + key;
  }

  /**
   * A key's first request and where its decision is: pending (a future the waiting retries
   * share) until the ledger has it, then the ledger seq of its entry.
   */
  static final class Claim {
    final String requestHash;
    final long claimedAtMillis;
    private volatile CompletableFuture<Decision> pending;
    private volatile long seq;
    private volatile String decisionId;

    Claim(String requestHash, long claimedAtMillis) {
      this(requestHash, claimedAtMillis, new CompletableFuture<>());
    }

    private Claim(String requestHash, long claimedAtMillis,
        CompletableFuture<Decision> pending) {
      this.requestHash = requestHash;
      this.claimedAtMillis = claimedAtMillis;
      this.pending = pending;
    }

    /** A claim rebuilt from the ledger, which nobody waits on. */
    static Claim recorded(String requestHash, long claimedAtMillis, String decisionId,
        long seq) {
      Claim claim = new Claim(requestHash, claimedAtMillis, null);
      claim.decisionId = decisionId;
      claim.seq = seq;
      return claim;
    }

    /** The decision while it is pending, or null once it is in the ledger at {@link #seq}. */
    CompletableFuture<Decision> pending() {
      return pending;
    }

    long seq() {
      return seq;
    }

    /** The decision recorded under the key; null while pending. */
    String decisionId() {
      return decisionId;
    }

    void complete(Decision decision) {
      CompletableFuture<Decision> waiting = pending;
      decisionId = decision.decisionId();
      seq = decision.receipt().seq();
      waiting.complete(decision);
      pending = null;
    }

    void fail(Throwable failure) {
      pending.completeExceptionally(failure);
    }
  }
}
