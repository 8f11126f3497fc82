package dev.chime.console.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.Execution;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * An execution as the API shows it: every field of {@link Execution}, times as ISO-8601 text, the
 * result as the JSON the job set, and how long its last attempt ran once it ended. The stack trace
 * is plain text; the dashboard shows it as text, never as markup.
 */
final class ExecutionViews {

    private final ObjectMapper mapper;

    ExecutionViews(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ObjectNode view(Execution e) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", e.id());
        node.put("jobId", e.jobId().orElse(null));
        node.put("task", e.task());
        node.put("state", e.state().name());
        node.put("attempts", e.attempts());
        node.put("node", e.node().orElse(null));
        node.put("scheduledTime", e.scheduledTime().toString());
        node.put("dueAt", text(e.dueAt()));
        node.put("createdAt", e.createdAt().toString());
        node.put("startedAt", text(e.startedAt()));
        node.put("endedAt", text(e.endedAt()));
        node.put("durationMs", e.startedAt().isPresent() && e.endedAt().isPresent()
                ? Duration.between(e.startedAt().get(), e.endedAt().get()).toMillis() : null);
        node.put("error", e.errorMessage().orElse(null));
        node.put("stackTrace", e.stackTrace().orElse(null));
        if (e.resultJson().isPresent()) {
            try {
                node.set("result", mapper.readTree(e.resultJson().get()));
            } catch (IOException unreadable) {
                // A store that mangled it: show the text rather than lose it.
                node.put("result", e.resultJson().get());
            }
        } else {
            node.putNull("result");
        }
        return node;
    }

    private static String text(Optional<Instant> instant) {
        return instant.map(Instant::toString).orElse(null);
    }
}
