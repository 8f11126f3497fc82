package dev.chime.internal.trigger;

import dev.chime.Trigger;
import dev.chime.spi.SpecParams;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Takes the common parameters ({@code start}, {@code end}, {@code jitter}) out of a spec body, at
 * the top level only: a nested spec's parameters, inside parentheses, belong to it.
 *
 * @param body   the body without the parameters taken out, for the type's provider
 * @param start  null when not given
 * @param end    null when not given
 * @param jitter null when not given
 */
public record CommonParams(String body, Instant start, Instant end, Duration jitter) {

    public static final List<String> NAMES = List.of("start", "end", "jitter");

    /**
     * @param owned the common parameters the type reads itself, with its own meaning; left in the body
     * @throws IllegalArgumentException naming a parameter given twice or a value that does not parse
     */
    public static CommonParams split(String body, Set<String> owned) {
        Map<String, String> taken = new LinkedHashMap<>();
        StringBuilder rest = new StringBuilder();
        int depth = 0;
        int from = 0;
        for (int i = 0; i <= body.length(); i++) {
            char c = i < body.length() ? body.charAt(i) : ';';
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ';' && (depth <= 0 || i == body.length())) {
                // The end always closes the last part, balanced or not: the provider reports the imbalance.
                String part = body.substring(from, i);
                String key = from == 0 ? null : key(part);
                if (key != null && NAMES.contains(key) && !owned.contains(key)) {
                    if (taken.put(key, part.substring(part.indexOf('=') + 1).trim()) != null) {
                        throw new IllegalArgumentException("parameter '" + key + "' is given twice");
                    }
                } else {
                    rest.append(from == 0 ? "" : ";").append(part);
                }
                from = i + 1;
            }
        }
        return new CommonParams(rest.toString(),
                taken.containsKey("start") ? SpecParams.parseInstant("start", taken.get("start")) : null,
                taken.containsKey("end") ? SpecParams.parseInstant("end", taken.get("end")) : null,
                taken.containsKey("jitter") ? SpecParams.parseDuration("jitter", taken.get("jitter")) : null);
    }

    private static String key(String part) {
        int eq = part.indexOf('=');
        return eq <= 0 ? null : part.substring(0, eq).trim();
    }

    public boolean any() {
        return start != null || end != null || (jitter != null && !jitter.isZero());
    }

    /** {@code trigger} with these parameters applied, or itself when there are none. */
    public Trigger applyTo(Trigger trigger) {
        return any() ? new CommonParamsTrigger(trigger, start, end, jitter, null) : trigger;
    }
}
