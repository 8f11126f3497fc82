package dev.chime.store.jdbc.internal;

/**
 * Error texts as the store keeps them ({@code last_error}): cleaned of what a database rejects and
 * cut to {@link #MAX_CHARS} characters, ending in {@code "... [cut by Chime: N more characters]"}. One job's odd exception message must not fail the write of
 * its outcome, nor the group of unrelated completions written with it: PostgreSQL rejects a NUL
 * character (SQLState 22021), MariaDB a text over the column's size (error 1406).
 */
final class ErrorText {

    /**
     * The longest error text kept, in characters. At most 4 bytes each in UTF-8, it fits the 64 KiB
     * of a MariaDB {@code TEXT} column, so that schemas created before the upgrade hold it too.
     */
    static final int MAX_CHARS = 8_000;

    private ErrorText() {
    }

    /**
     * The text without NUL characters and with unpaired surrogates (not encodable in UTF-8) replaced
     * by U+FFFD, cut at {@link #MAX_CHARS} with a marker that says how much was left out.
     */
    static String clean(String text) {
        return clean(text, MAX_CHARS);
    }

    /** {@link #clean(String)}, cut at {@code maxChars} instead (stack traces keep up to 16,000). */
    static String clean(String text, int maxChars) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            boolean pair = Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1));
            boolean bad = ch == '\0' || (!pair && Character.isSurrogate(ch));
            if (bad && out == null) {
                out = new StringBuilder(n).append(text, 0, i);
            }
            if (out != null && !bad) {
                out.append(ch);
                if (pair) {
                    out.append(text.charAt(i + 1));
                }
            } else if (out != null && ch != '\0') {
                out.append('\uFFFD');
            }
            if (pair) {
                i++;
            }
        }
        String clean = out == null ? text : out.toString();
        if (clean.length() <= maxChars) {
            return clean;
        }
        int keep = maxChars - 64;
        if (Character.isHighSurrogate(clean.charAt(keep - 1))) {
            keep--;
        }
        return clean.substring(0, keep) + "... [cut by Chime: " + (clean.length() - keep) + " more characters]";
    }
}
