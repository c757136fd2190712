package dev.veto.http;

/**
 * Limits and addresses of the HTTP API.
 *
 * @param decisionTimeoutMillis after this long without an answer a decide request is refused
 *     with 503; the agent retries with the same idempotency key
 * @param idleTimeoutSeconds a connection with no traffic for this long is closed
 * @param eventLoops how many HTTP servers share the port, one per event loop
 */
public record ApiOptions(
    String host,
    int port,
    int maxBodyBytes,
    int maxHeaderBytes,
    long decisionTimeoutMillis,
    int idleTimeoutSeconds,
    int eventLoops) {

  public static ApiOptions defaults(String host, int port) {
    return new ApiOptions(host, port, 1 << 20, 8192, 2_000, 30,
        Runtime.getRuntime().availableProcessors());
  }
}
