package dev.trident.server;

/**
 * Where and how the server listens: host (loopback unless told otherwise), port (0 = any free one), the API key
 * clients must send as {@code Authorization: Bearer KEY} (null = none), and the largest request body accepted.
 */
public record ServerOptions(String host, int port, String apiKey, int maxBodyBytes) {
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    public ServerOptions {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " outside 0..65535");
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("a body limit of " + maxBodyBytes + " bytes is too small");
        if (apiKey != null && apiKey.isEmpty()) apiKey = null;
    }

    public static ServerOptions loopback(int port) {
        return new ServerOptions("127.0.0.1", port, null, DEFAULT_MAX_BODY_BYTES);
    }

    public ServerOptions withApiKey(String key) { return new ServerOptions(host, port, key, maxBodyBytes); }

    public ServerOptions withMaxBodyBytes(int n) { return new ServerOptions(host, port, apiKey, n); }
}
