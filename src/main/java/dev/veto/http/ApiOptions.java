package dev.veto.http;

/**
 * Limits and addresses of the HTTP API.
 *
 * @param decisionTimeoutMillis after this long without an answer a decide request is refused
 *     with 503; the agent retries with the same idempotency key
 * @param idleTimeoutSeconds a connection with no traffic for this long is closed
 * @param eventLoops how many HTTP servers share the port, one per event loop
 * @param rateLimitPerSecond decide requests one agent may make per second; 0 for no limit
 * @param tlsCert PEM certificate chain to serve HTTPS with, or null for plain HTTP
 * @param tlsKey PEM private key of that certificate, or null
 */
public record ApiOptions(
    String host,
    int port,
    int maxBodyBytes,
    int maxHeaderBytes,
    long decisionTimeoutMillis,
    int idleTimeoutSeconds,
    int eventLoops,
    int rateLimitPerSecond,
    java.nio.file.Path tlsCert,
    java.nio.file.Path tlsKey) {

  public static ApiOptions defaults(String host, int port) {
    return new ApiOptions(host, port, 1 << 20, 8192, 2_000, 30,
        Runtime.getRuntime().availableProcessors(), 0, null, null);
  }

  public ApiOptions withRateLimit(int perSecond) {
    return new ApiOptions(host, port, maxBodyBytes, maxHeaderBytes, decisionTimeoutMillis,
        idleTimeoutSeconds, eventLoops, perSecond, tlsCert, tlsKey);
  }

  public ApiOptions withTls(java.nio.file.Path cert, java.nio.file.Path key) {
    return new ApiOptions(host, port, maxBodyBytes, maxHeaderBytes, decisionTimeoutMillis,
        idleTimeoutSeconds, eventLoops, rateLimitPerSecond, cert, key);
  }

  public boolean tls() {
    return tlsCert != null;
  }
}
