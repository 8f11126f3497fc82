package dev.chime.console.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A request's query parameters and the checks on what they carry. Job ids travel in the query
 * ({@code /api/job?id=...}), not in the path: servlet containers refuse an encoded {@code /} in a
 * path (Tomcat's default), and ids may hold {@code /}, {@code +}, {@code %} and spaces.
 */
public final class Query {

    /** The longest id the stores keep (the JDBC store's column). */
    static final int MAX_ID_LENGTH = 200;

    private final Map<String, String> values;

    private Query(Map<String, String> values) {
        this.values = values;
    }

    /** Form decoding: {@code +} is a space, {@code %2B} a plus; a malformed escape is a 400. */
    public static Query parse(String raw) {
        Map<String, String> values = new HashMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (values.putIfAbsent(key, value) != null) {
                    throw new HttpError(400, "query parameter '" + printable(key) + "' is given twice");
                }
            }
        }
        return new Query(values);
    }

    public String get(String name) {
        return values.get(name);
    }

    /** A job id from the query: present, at most 200 characters, no control characters. */
    public String id() {
        return id("a job id");
    }

    /** An execution id from the query ({@code ?id=}), under the same rules as a job id. */
    public String executionId() {
        return id("an execution id");
    }

    private String id(String what) {
        String id = values.get("id");
        if (id == null) {
            throw new HttpError(400, "query parameter 'id' is missing");
        }
        return checkId(id, "query parameter 'id'", what);
    }

    /**
     * Rejects what a job id must not hold: control characters (NUL, CR, LF, ...) would reach logs
     * and headers verbatim, so they are refused before anything is written.
     */
    public static String checkId(String id, String where) {
        return checkId(id, where, "a job id");
    }

    /** {@link #checkId(String, String)} for another kind of name ({@code what}: "a task name", "an execution id"). */
    public static String checkId(String id, String where, String what) {
        if (id.isEmpty() || id.isBlank()) {
            throw new HttpError(400, where + ": " + what + " must not be empty or blank");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new HttpError(400, where + ": " + what + " has at most " + MAX_ID_LENGTH + " characters, this one " + id.length());
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new HttpError(400, where + ": control character U+" + String.format(java.util.Locale.ROOT, "%04X", (int) c)
                        + " at index " + i + " is not allowed in " + what);
            }
        }
        return id;
    }

    public int intParam(String name, int dflt, int min, int max) {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new HttpError(400, "query parameter '" + name + "': expected a whole number from " + min + " to " + max
                + ", got '" + printable(v) + "'");
    }

    /** Percent-decodes as UTF-8; {@code +} is a space as in forms. */
    static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw new HttpError(400, "query: malformed percent escape at index " + i);
                }
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A value fit to quote in an error message: control characters escaped. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(100).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                sb.append(String.format(java.util.Locale.ROOT, "\\u%04X", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }
}
