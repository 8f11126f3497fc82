package dev.chime;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The JSON form of a job: {@code task} and {@code trigger} (a spec), and optionally {@code options}
 * (in {@link JobOptions#fromJson their JSON form}) and {@code data}. Schedule files use it for each
 * entry; an HTTP API that takes jobs can use it too, so both accept and reject the same things.
 */
public final class JobJson {

    private static final Set<String> FIELDS = Set.of("task", "trigger", "options", "data");

    private JobJson() {
    }

    /**
     * Reads one job.
     *
     * @param alsoAllowed fields the caller reads itself (an {@code id}, say), not reported unknown
     * @param triggers    parses a trigger spec, e.g. {@code scheduler::parseTrigger}
     * @throws IllegalArgumentException naming the field, e.g. {@code field 'trigger': ...}; an
     *         unknown field is an error, so that a misspelt one is not silently ignored
     */
    public static JobDefinition read(String id, JsonNode node, Set<String> alsoAllowed, Function<String, Trigger> triggers) {
        node.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field) && !alsoAllowed.contains(field)) {
                Set<String> known = new TreeSet<>(FIELDS);
                known.addAll(alsoAllowed);
                throw new IllegalArgumentException("unknown field '" + field + "' (known: " + String.join(", ", known) + ")");
            }
        });
        String task = text(node, "task");
        String spec = text(node, "trigger");
        Trigger trigger;
        try {
            trigger = triggers.apply(spec);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("field 'trigger': " + e.getMessage(), e);
        }
        JobDefinition.Builder job = JobDefinition.builder(id).task(task).trigger(trigger);
        JsonNode options = node.get("options");
        if (options != null && !options.isNull()) {
            job.options(JobOptions.fromJson(options, "field 'options'"));
        }
        JsonNode data = node.get("data");
        if (data != null && !data.isNull()) {
            job.dataJson(data.toString());
        }
        return job.build();
    }

    /** A required, non-blank text field. */
    public static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("field '" + field + "' is missing");
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new IllegalArgumentException("field '" + field + "' must be a non-empty string, got " + value);
        }
        return value.asText();
    }
}
