package dev.chime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.JobOrigin;
import dev.chime.RetryPolicy;
import dev.chime.Trigger;
import dev.chime.internal.trigger.CommonParamsTrigger;
import dev.chime.spi.StoredJob;
import dev.chime.spi.TriggerParser;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Turns job definitions into the text a store keeps and back. Options are written field by field
 * (not by reflection) so the stored JSON stays stable when the classes change.
 */
public final class JobCodec {

    /**
     * Every firing decodes its job, and most jobs share a few option sets and trigger specs: these
     * caches turn a Jackson parse and a spec parse per firing into a map lookup. Both hold immutable
     * values and are cleared when full, so they never grow past their bound. The bound is sized for
     * schedules whose jobs each carry their own start (a distinct spec per job): at 4,096, 10,000 such
     * jobs cleared the cache every few seconds and every firing parsed its spec again. 16,384 parsed
     * triggers are a few megabytes.
     */
    private static final int CACHE_LIMIT = 16_384;

    private final TriggerParser triggers;
    private final Map<String, DecodedOptions> optionsByJson = new ConcurrentHashMap<>();
    private final Map<JobOptions, String> jsonByOptions = new ConcurrentHashMap<>();
    private final Map<String, Trigger> triggersBySpec = new ConcurrentHashMap<>();

    public JobCodec(TriggerParser triggers) {
        this.triggers = triggers;
    }

    /**
     * The options text and, for a declared job, its origin: kept in the same text (core owns it and
     * stores keep it opaque), so marking declared jobs needs no column in any store. Older readers
     * ignore the extra field.
     */
    private record DecodedOptions(JobOptions options, JobOrigin origin, boolean enqueued) {
    }

    /**
     * Marks an enqueued task's job in its options text, as the origin marks a declared job: stores
     * keep the text opaque, so telling a task from a job needs no column in any store.
     */
    private static final String ENQUEUED_FIELD = "enqueued";

    public StoredJob encode(JobDefinition job, Instant nextFireTime) {
        return new StoredJob(job.id(), job.task(), job.trigger().spec(), optionsJson(job), job.dataJson(),
                false, nextFireTime, null, null, 0);
    }

    /** A job's options as the store keeps them: with its origin, or its mark as an enqueued task. */
    public String optionsJson(JobDefinition job) {
        String options = cached(jsonByOptions, job.options(), JobCodec::writeOptions);
        if (job.origin().isPresent()) {
            options = withOrigin(options, job.origin().get());
        }
        if (job.enqueued()) {
            ObjectNode node = (ObjectNode) Json.parse(options, "options");
            node.put(ENQUEUED_FIELD, true);
            options = node.toString();
        }
        return options;
    }

    /** @throws IllegalArgumentException (or InvalidTriggerSpecException) naming the job and the bad part */
    public JobDefinition decode(StoredJob stored) {
        // Look up before building the parse functions: a hit, the usual case, then allocates nothing.
        Trigger trigger = triggersBySpec.get(stored.triggerSpec());
        if (trigger == null) {
            trigger = cached(triggersBySpec, stored.triggerSpec(), triggers::parse);
        }
        DecodedOptions options = optionsByJson.get(stored.optionsJson());
        if (options == null) {
            options = cached(optionsByJson, stored.optionsJson(), json -> readStoredOptions(json, "options of job '" + stored.id() + "'"));
        }
        // The jitter's seed is the job id: bound here, so each job of a shared spec gets its own delay.
        return JobDefinition.builder(stored.id()).task(stored.task()).trigger(CommonParamsTrigger.forJob(trigger, stored.id()))
                .options(options.options())
                .dataJson(stored.dataJson()).origin(options.origin()).enqueued(options.enqueued()).build();
    }

    private static final String ORIGIN_FIELD = "declared";

    /** Options text with a declared job's origin added. */
    public static String withOrigin(String optionsJson, JobOrigin origin) {
        ObjectNode node = (ObjectNode) Json.parse(optionsJson, "options");
        ObjectNode o = node.putObject(ORIGIN_FIELD);
        o.put("group", origin.group());
        o.put("version", origin.version());
        o.put("source", origin.source());
        o.put("trigger", origin.declaredTrigger());
        return node.toString();
    }

    private static DecodedOptions readStoredOptions(String json, String what) {
        JsonNode node = Json.parse(json, what);
        JobOptions options = readOptions(node, what);
        boolean enqueued = node.path(ENQUEUED_FIELD).asBoolean(false);
        JsonNode o = node.get(ORIGIN_FIELD);
        if (o == null || !o.isObject()) {
            return new DecodedOptions(options, null, enqueued);
        }
        return new DecodedOptions(options, new JobOrigin(o.path("group").asText(""), o.path("version").asText(""),
                o.path("source").asText(""), o.path("trigger").asText("")), enqueued);
    }

    private static <K, V> V cached(Map<K, V> cache, K key, Function<K, V> compute) {
        V value = cache.get(key);
        if (value == null) {
            value = compute.apply(key);
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(key, value);
        }
        return value;
    }

    public static String writeOptions(JobOptions options) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        if (options.misfireGraceTimeSet()) {
            // Left out while it is the default, whose meaning depends on the trigger.
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
     * Reads options JSON; a missing field keeps its default, so a schedule file may give only the
     * fields it changes.
     */
    public static JobOptions readOptions(String json, String what) {
        return readOptions(Json.parse(json, what), what);
    }

    public static JobOptions readOptions(JsonNode node, String what) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(what + ": expected a JSON object, got " + node.getNodeType());
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
            int max = retry.has("maxRetries") ? integer(retry.get("maxRetries"), w + ".maxRetries") : 0;
            Duration initial = retry.has("initialBackoff") ? duration(retry.get("initialBackoff"), w + ".initialBackoff") : Duration.ofSeconds(1);
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
