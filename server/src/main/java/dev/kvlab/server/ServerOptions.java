package dev.kvlab.server;

/**
 * How {@code kvlab serve} listens and what it admits.
 *
 * @param host          address to bind (default 127.0.0.1: loopback only)
 * @param port          TCP port; 0 = any free port
 * @param apiKey        required as {@code Authorization: Bearer KEY} on /v1/*; null = no key
 * @param maxWaiting    engine requests that may wait beyond the running seats before new ones get 503
 * @param maxBodyBytes  larger request bodies get 413
 * @param shutdownGraceSeconds on SIGTERM, how long in-flight requests may run before they are cancelled
 * @param servedModelName the model name in /v1/models and the requests' "model" field
 */
public record ServerOptions(String host, int port, String apiKey, int maxWaiting, int maxBodyBytes,
                            double shutdownGraceSeconds, String servedModelName) {
    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("--max-waiting must be >= 0, got " + maxWaiting);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("--max-body-bytes must be >= 1024, got " + maxBodyBytes);
        }
        if (!(shutdownGraceSeconds >= 0) || shutdownGraceSeconds > 3600) {
            throw new IllegalArgumentException("--shutdown-grace must be in [0, 3600] seconds, got "
                    + shutdownGraceSeconds);
        }
        if (apiKey != null && apiKey.isEmpty()) {
            apiKey = null;
        }
    }
}
