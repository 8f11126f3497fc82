package dev.chime.schedules.internal;

import dev.chime.Trigger;
import dev.chime.spi.TriggerParser;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a spec body of the form {@code (part)(part)...;key=value} where parts are whole specs that
 * may themselves contain parentheses, semicolons and colons. Parentheses must balance.
 *
 * @param parts  the texts inside each top-level pair of parentheses
 * @param params what follows the last part (without its leading semicolon), or ""
 */
public record NestedSpecs(List<String> parts, String params) {

    public static NestedSpecs parse(String body) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        String text = body.trim();
        while (i < text.length() && text.charAt(i) == '(') {
            int depth = 0;
            int start = i + 1;
            int j = i;
            for (; j < text.length(); j++) {
                char c = text.charAt(j);
                if (c == '(') {
                    depth++;
                } else if (c == ')' && --depth == 0) {
                    break;
                }
            }
            if (j == text.length()) {
                throw new IllegalArgumentException("unbalanced '(' at position " + i + " of \"" + body + "\"");
            }
            parts.add(text.substring(start, j).trim());
            i = j + 1;
            while (i < text.length() && (text.charAt(i) == ',' || text.charAt(i) == ' ')) {
                i++;
            }
        }
        String rest = text.substring(i).trim();
        if (!rest.isEmpty() && !rest.startsWith(";")) {
            throw new IllegalArgumentException("expected '(part)' or ';key=value' at \"" + rest + "\"");
        }
        return new NestedSpecs(List.copyOf(parts), rest.isEmpty() ? "" : rest.substring(1));
    }

    /** The parts of a combinator such as {@code any:(a)(b)}, parsed as triggers; no parameters allowed. */
    public static List<Trigger> triggers(String type, String body, TriggerParser nested) {
        NestedSpecs specs = parse(body);
        if (!specs.params().isEmpty()) {
            throw new IllegalArgumentException(type + " takes no parameters, found ';" + specs.params() + "'");
        }
        return specs.parts().stream().map(nested::parse).toList();
    }

    /** Parameters as the core's SpecParams expects them: an empty main part, then the pairs. */
    public String paramsBody() {
        return params.isEmpty() ? "" : ";" + params;
    }

    public static String wrap(List<String> specs) {
        StringBuilder sb = new StringBuilder();
        for (String spec : specs) {
            sb.append('(').append(spec).append(')');
        }
        return sb.toString();
    }
}
