package dev.chime.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Decides who a request comes from. Every console endpoint but {@code /health} and the static
 * dashboard files (which hold no data) asks it first; empty means 401. Plug in your own to check a
 * session, a JWT or a header set by a proxy you trust; {@link #bearerTokens} is the built-in one.
 * Implementations must be thread-safe and should not log the credentials they read.
 */
@FunctionalInterface
public interface Authenticator {

    /** The request's headers, by case-insensitive name (the first value when there are several). */
    @FunctionalInterface
    interface Headers {
        String get(String name);
    }

    Optional<ConsoleUser> authenticate(Headers headers);

    /**
     * {@code Authorization: Bearer <token>}: the admin token grants {@link Role#ADMIN}, the read-only
     * token (may be null) {@link Role#READ_ONLY}. Compared in constant time.
     *
     * @throws IllegalArgumentException when the admin token is blank or shorter than 8 characters,
     *         or both tokens are equal
     */
    static Authenticator bearerTokens(String adminToken, String readOnlyToken) {
        if (adminToken == null || adminToken.isBlank() || adminToken.length() < 8) {
            throw new IllegalArgumentException("admin token: at least 8 characters are needed");
        }
        if (readOnlyToken != null && (readOnlyToken.length() < 8 || readOnlyToken.equals(adminToken))) {
            throw new IllegalArgumentException("read-only token: at least 8 characters, and not the admin token");
        }
        byte[] admin = adminToken.getBytes(StandardCharsets.UTF_8);
        byte[] reader = readOnlyToken == null ? null : readOnlyToken.getBytes(StandardCharsets.UTF_8);
        return headers -> {
            String header = headers.get("Authorization");
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Optional.empty();
            }
            byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
            if (MessageDigest.isEqual(given, admin)) {
                return Optional.of(new ConsoleUser("admin", Role.ADMIN));
            }
            if (reader != null && MessageDigest.isEqual(given, reader)) {
                return Optional.of(new ConsoleUser("read-only", Role.READ_ONLY));
            }
            return Optional.empty();
        };
    }
}
