package dev.veto.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;

/**
 * How many decide requests one agent may make a second, so that one runaway agent cannot
 * take the service from the others. One limiter per agent (Resilience4j), kept while the
 * agent is active; a request over the limit is answered 429 without being decided.
 */
final class AgentRateLimit {

  static final Duration PERIOD = Duration.ofSeconds(1);

  private final RateLimiterConfig config;
  private final Cache<String, RateLimiter> limiters;

  private AgentRateLimit(int perSecond) {
    this.config = perSecond <= 0 ? null : RateLimiterConfig.custom()
        .limitForPeriod(perSecond)
        .limitRefreshPeriod(PERIOD)
        .timeoutDuration(Duration.ZERO)
        .build();
    this.limiters = Caffeine.newBuilder()
        .expireAfterAccess(Duration.ofMinutes(10))
        .maximumSize(100_000)
        .executor(Runnable::run)
        .build();
  }

  /** perSecond 0 or less: no limit. */
  static AgentRateLimit of(int perSecond) {
    return new AgentRateLimit(perSecond);
  }

  /** True when this agent may make one more request now. */
  boolean tryAcquire(String agentId) {
    if (config == null) {
      return true;
    }
    return limiters.get(agentId, id -> RateLimiter.of(id, config)).acquirePermission();
  }
}
