package dev.chime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.JobOrigin;
import dev.chime.Trigger;
import dev.chime.internal.trigger.CommonParamsTrigger;
import dev.chime.spi.StoredJob;
import dev.chime.spi.TriggerParser;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Turns job definitions into the text a store keeps and back; the options' text is
 * {@link OptionsJson}'s.
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
    private record DecodedOptions(JobOptions options, JobOrigin origin) {
    }

    public StoredJob encode(JobDefinition job, Instant nextFireTime) {
        String options = cached(jsonByOptions, job.options(), OptionsJson::write);
        if (job.origin().isPresent()) {
            options = withOrigin(options, job.origin().get());
        }
        return new StoredJob(job.id(), job.task(), job.trigger().spec(), options, job.dataJson(),
                false, nextFireTime, null, null, 0);
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
                .dataJson(stored.dataJson()).origin(options.origin()).build();
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
        JobOptions options = OptionsJson.readStored(node, what);
        JsonNode o = node.get(ORIGIN_FIELD);
        if (o == null || !o.isObject()) {
            return new DecodedOptions(options, null);
        }
        return new DecodedOptions(options, new JobOrigin(o.path("group").asText(""), o.path("version").asText(""),
                o.path("source").asText(""), o.path("trigger").asText("")));
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
}
