package dev.chime.spi;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Splits a spec body of the common form {@code main;key=value;key=value} (for example
 * {@code PT10S;start=2026-01-01T00:00:00Z;jitter=PT1S}) and reads typed values with errors that
 * name the key. A helper for trigger providers; immutable.
 */
public final class SpecParams {

    private final String main;
    private final Map<String, String> params;

    private SpecParams(String main, Map<String, String> params) {
        this.main = main;
        this.params = params;
    }

    /**
     * @param body    the spec body
     * @param allowed the keys this trigger type accepts; any other key is an error
     * @throws IllegalArgumentException on an unknown, repeated or empty key
     */
    public static SpecParams parse(String body, Set<String> allowed) {
        String[] parts = body.split(";", -1);
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("parameter '" + part + "' is not of the form key=value");
            }
            String key = part.substring(0, eq).trim();
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException("unknown parameter '" + key + "'; allowed: " + allowed);
            }
            if (params.put(key, part.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("parameter '" + key + "' is given twice");
            }
        }
        return new SpecParams(parts[0].trim(), Collections.unmodifiableMap(params));
    }

    /** The part before the first semicolon, trimmed. */
    public String main() {
        return main;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(params.get(key));
    }

    public Optional<Instant> instant(String key) {
        return get(key).map(v -> parseInstant(key, v));
    }

    public Optional<Duration> duration(String key) {
        return get(key).map(v -> parseDuration(key, v));
    }

    /** Parses an ISO-8601 instant such as {@code 2026-01-01T00:00:00Z}, naming {@code what} on error. */
    public static Instant parseInstant(String what, String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not an ISO-8601 instant such as 2026-01-01T00:00:00Z");
        }
    }

    /** Parses an ISO-8601 duration such as {@code PT10S}, naming {@code what} on error. */
    public static Duration parseDuration(String what, String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not an ISO-8601 duration such as PT10S or PT1H30M");
        }
    }
}
