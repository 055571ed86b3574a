package dev.trident.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks {@code Authorization: Bearer KEY} in constant time: both sides are hashed first, so neither the key's
 * length nor the position of the first wrong character shows in how long the comparison takes.
 */
final class ApiKey {
    private final byte[] expected;

    ApiKey(String key) {
        this.expected = sha256(key);
    }

    boolean accepts(String authorizationHeader) {
        String given = authorizationHeader == null ? "" : authorizationHeader;
        if (given.regionMatches(true, 0, "Bearer ", 0, 7)) given = given.substring(7).strip();
        else given = "";
        return MessageDigest.isEqual(expected, sha256(given));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
