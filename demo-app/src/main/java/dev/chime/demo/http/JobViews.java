package dev.chime.demo.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.JobDefinition;
import dev.chime.JobInfo;
import dev.chime.LastRun;

/** Jobs as the API shows them. */
final class JobViews {

    private final ObjectMapper mapper;

    JobViews(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ObjectNode job(JobInfo info) {
        JobDefinition d = info.definition();
        ObjectNode node = mapper.createObjectNode();
        node.put("id", d.id());
        node.put("task", d.task());
        node.put("trigger", d.trigger().spec());
        node.put("paused", info.paused());
        node.put("nextFireTime", info.nextFireTime().map(Object::toString).orElse(null));
        node.set("lastRun", info.lastRun().map(this::lastRun).orElse(null));
        node.set("options", read(d.options().toJson()));
        node.set("data", d.dataJson() == null ? null : read(d.dataJson()));
        return node;
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
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored JSON cannot be read: " + json, e);
        }
    }
}
