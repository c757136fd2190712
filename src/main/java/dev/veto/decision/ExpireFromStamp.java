package dev.veto.decision;

import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * A Caffeine expiry of one window from a time the value carries (when a key was first used,
 * when a side effect was allowed), not from when the cache learned of it: an entry rebuilt
 * from the ledger at start-up keeps the window it had, it does not get a fresh one.
 */
final class ExpireFromStamp<K, V> implements Expiry<K, V> {

  private final long windowMillis;
  private final ToLongFunction<V> stampMillis;

  ExpireFromStamp(Duration window, ToLongFunction<V> stampMillis) {
    this.windowMillis = window.toMillis();
    this.stampMillis = stampMillis;
  }

  @Override
  public long expireAfterCreate(K key, V value, long nowNanos) {
    long left = stampMillis.applyAsLong(value) + windowMillis - nowNanos / 1_000_000L;
    return TimeUnit.MILLISECONDS.toNanos(Math.max(0, left));
  }

  @Override
  public long expireAfterUpdate(K key, V value, long nowNanos, long current) {
    return expireAfterCreate(key, value, nowNanos);
  }

  @Override
  public long expireAfterRead(K key, V value, long nowNanos, long current) {
    return current;
  }
}
