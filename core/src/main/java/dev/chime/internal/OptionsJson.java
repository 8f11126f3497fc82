package dev.chime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.JobOptions;
import dev.chime.RetryPolicy;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one owner of the options' JSON form, the text stores keep and schedule files, the console and
 * task executions use: {@code {"maxInstances": 2, "misfireGraceTime": "PT30S", "retry": {"maxRetries": 3}}}.
 * Written field by field (not by reflection), so the text stays stable when the classes change. A
 * field left out keeps its default. Read two ways: {@link #read} for what people write (an unknown
 * field is an error, so that a misspelt option is not silently left at its default), and
 * {@link #readStored} for what a store kept (fields it does not know, written by a newer version or
 * beside the options such as a declared job's origin, are ignored).
 */
public final class OptionsJson {

    private static final Set<String> FIELDS =
            Set.of("misfireGraceTime", "coalesce", "maxInstances", "timeout", "recoverable", "retry");
    private static final Set<String> RETRY_FIELDS = Set.of("maxRetries", "initialBackoff", "multiplier", "maxBackoff");

    private OptionsJson() {
    }

    /** The options' JSON text, every field written out except a misfire grace left at its trigger-dependent default. */
    public static String write(JobOptions options) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        if (options.misfireGraceTimeSet()) {
            node.put("misfireGraceTime", options.misfireGraceTime().map(Duration::toString).orElse(null));
        }
        node.put("coalesce", options.coalesce());
        node.put("maxInstances", options.maxInstances());
        node.put("timeout", options.timeout().map(Duration::toString).orElse(null));
        node.put("recoverable", options.recoverable());
        RetryPolicy retry = options.retry();
        ObjectNode retryNode = node.putObject("retry");
        retryNode.put("maxRetries", retry.maxRetries());
        retryNode.put("initialBackoff", retry.initialBackoff().toString());
        retryNode.put("multiplier", retry.multiplier());
        retryNode.put("maxBackoff", retry.maxBackoff().toString());
        return node.toString();
    }

    /**
     * Reads options people wrote. @throws IllegalArgumentException naming {@code where} and the bad
     * field; an unknown field is an error too
     */
    public static JobOptions read(JsonNode json, String where) {
        return read(json, where, true);
    }

    /** Reads options a store kept, ignoring fields it does not know. @throws IllegalArgumentException naming {@code where} */
    public static JobOptions readStored(String json, String where) {
        return read(Json.parse(json, where), where, false);
    }

    /** {@link #readStored(String, String)} for a tree already parsed. */
    static JobOptions readStored(JsonNode json, String where) {
        return read(json, where, false);
    }

    private static JobOptions read(JsonNode node, String what, boolean strict) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(what + ": expected a JSON object, got " + node.getNodeType());
        }
        if (strict) {
            rejectUnknown(node, what, FIELDS);
        }
        JobOptions.Builder b = JobOptions.builder();
        if (node.has("misfireGraceTime")) {
            b.misfireGraceTime(duration(node.get("misfireGraceTime"), what + ".misfireGraceTime"));
        }
        if (node.has("coalesce")) {
            b.coalesce(bool(node.get("coalesce"), what + ".coalesce"));
        }
        if (node.has("maxInstances")) {
            b.maxInstances(integer(node.get("maxInstances"), what + ".maxInstances"));
        }
        if (node.has("timeout")) {
            b.timeout(duration(node.get("timeout"), what + ".timeout"));
        }
        if (node.has("recoverable")) {
            b.recoverable(bool(node.get("recoverable"), what + ".recoverable"));
        }
        JsonNode retry = node.get("retry");
        if (retry != null && !retry.isNull()) {
            String w = what + ".retry";
            if (!retry.isObject()) {
                throw new IllegalArgumentException(w + ": expected a JSON object, got " + retry.getNodeType());
            }
            if (strict) {
                rejectUnknown(retry, w, RETRY_FIELDS);
            }
            int max = retry.has("maxRetries") ? integer(retry.get("maxRetries"), w + ".maxRetries") : 0;
            Duration initial = retry.has("initialBackoff") ? duration(retry.get("initialBackoff"), w + ".initialBackoff")
                    : Duration.ofSeconds(1);
            double multiplier = retry.has("multiplier") ? number(retry.get("multiplier"), w + ".multiplier") : 1.0;
            Duration cap = retry.has("maxBackoff") ? duration(retry.get("maxBackoff"), w + ".maxBackoff") : initial;
            try {
                b.retry(new RetryPolicy(max, initial == null ? Duration.ZERO : initial, multiplier, cap == null ? initial : cap));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    private static void rejectUnknown(JsonNode json, String where, Set<String> known) {
        json.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                throw new IllegalArgumentException(where + ": unknown field '" + field + "' (known: "
                        + String.join(", ", new TreeSet<>(known)) + ")");
            }
        });
    }

    private static Duration duration(JsonNode node, String what) {
        if (node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException(what + ": expected an ISO-8601 duration such as \"PT10S\", got " + node);
        }
        return dev.chime.spi.SpecParams.parseDuration(what, node.asText());
    }

    private static boolean bool(JsonNode node, String what) {
        if (!node.isBoolean()) {
            throw new IllegalArgumentException(what + ": expected true or false, got " + node);
        }
        return node.asBoolean();
    }

    private static int integer(JsonNode node, String what) {
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
            throw new IllegalArgumentException(what + ": expected a whole number, got " + node);
        }
        return node.asInt();
    }

    private static double number(JsonNode node, String what) {
        if (!node.isNumber()) {
            throw new IllegalArgumentException(what + ": expected a number, got " + node);
        }
        return node.asDouble();
    }
}
