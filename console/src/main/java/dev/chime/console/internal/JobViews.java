package dev.chime.console.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.JobDefinition;
import dev.chime.JobInfo;
import dev.chime.LastRun;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/** Jobs as the API shows them: the trigger as written, in English, and (for one job) its next fire times. */
final class JobViews {

    static final int NEXT_FIRE_TIMES = 10;

    private final ObjectMapper mapper;
    private final Function<String, Trigger> parser;

    JobViews(ObjectMapper mapper, Function<String, Trigger> parser) {
        this.mapper = mapper;
        this.parser = parser;
    }

    ObjectNode summary(JobInfo info) {
        JobDefinition d = info.definition();
        ObjectNode node = mapper.createObjectNode();
        node.put("id", d.id());
        node.put("task", d.task());
        String written = TriggerText.display(d, parser);
        node.put("trigger", written);
        node.put("description", describe(written, d.trigger()));
        node.put("paused", info.paused());
        node.put("nextFireTime", info.nextFireTime().map(Instant::toString).orElse(null));
        node.set("lastRun", info.lastRun().map(this::lastRun).orElse(null));
        return node;
    }

    ObjectNode detail(JobInfo info, Instant now) {
        JobDefinition d = info.definition();
        ObjectNode node = summary(info);
        node.put("storedTrigger", d.trigger().spec());
        node.put("dependsOnCompletion", d.trigger().dependsOnCompletion());
        node.set("nextFireTimes", nextFireTimes(info, now));
        node.set("options", read(d.options().toJson()));
        node.set("data", d.dataJson() == null ? null : read(d.dataJson()));
        node.put("declaredBy", d.origin().map(o -> o.source()).orElse(null));
        return node;
    }

    /** The job's description: its trigger as written, in English; the stored trigger's if that cannot be read. */
    private String describe(String written, Trigger stored) {
        try {
            return parser.apply(written).describe();
        } catch (RuntimeException e) {
            return safeDescribe(stored);
        }
    }

    private static String safeDescribe(Trigger trigger) {
        try {
            return trigger.describe();
        } catch (RuntimeException e) {
            return trigger.spec();
        }
    }

    /**
     * Up to ten fire times from the next one on. A trigger is plugin code: one that throws, or
     * answers a time not after the last, ends the list. For a trigger that depends on completion
     * the times assume runs that take no time.
     */
    private ArrayNode nextFireTimes(JobInfo info, Instant now) {
        ArrayNode times = mapper.createArrayNode();
        Trigger trigger = info.definition().trigger();
        try {
            Optional<Instant> next = info.nextFireTime().isPresent() ? info.nextFireTime()
                    : trigger.nextFireTime(TriggerContext.first(now)).filter(t -> info.paused() || !t.isBefore(now));
            while (next.isPresent() && times.size() < NEXT_FIRE_TIMES) {
                Instant t = next.get();
                times.add(t.toString());
                Optional<Instant> after = trigger.nextFireTime(new TriggerContext(now, t, trigger.dependsOnCompletion() ? t : null));
                if (after.isPresent() && !after.get().isAfter(t)) {
                    break;
                }
                next = after;
            }
        } catch (RuntimeException e) {
            // A faulty trigger: show what was computed before it failed.
        }
        return times;
    }

    private ObjectNode lastRun(LastRun run) {
        ObjectNode node = mapper.createObjectNode();
        node.put("outcome", run.outcome().name());
        node.put("scheduledFireTime", run.scheduledFireTime() == null ? null : run.scheduledFireTime().toString());
        node.put("finishedAt", run.finishedAt() == null ? null : run.finishedAt().toString());
        node.put("durationMs", run.duration() == null ? null : run.duration().toMillis());
        node.put("error", run.errorMessage().orElse(null));
        return node;
    }

    private JsonNode read(String json) {
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("stored JSON cannot be read", e);
        }
    }
}
