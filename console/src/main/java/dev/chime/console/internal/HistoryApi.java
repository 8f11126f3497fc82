package dev.chime.console.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.Outcome;
import dev.chime.RunRecord;
import dev.chime.Scheduler;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * {@code GET /api/history}: a page of the run history as JSON. The next page's cursor travels as
 * one opaque query value ({@code after=<finishedAt>_<id>}), so the dashboard pages without
 * knowing what is in it.
 */
final class HistoryApi {

    private final Scheduler scheduler;
    private final ObjectMapper mapper;

    HistoryApi(Scheduler scheduler, ObjectMapper mapper) {
        this.scheduler = scheduler;
        this.mapper = mapper;
    }

    ObjectNode page(Query q) {
        HistoryQuery query = HistoryQuery.all().limit(q.intParam("limit", 25, 1, HistoryQuery.MAX_LIMIT));
        String id = q.get("id");
        if (id != null && !id.isEmpty()) {
            query = query.job(Query.checkId(id, "query parameter 'id'"));
        }
        String task = q.get("task");
        if (task != null && !task.isEmpty()) {
            query = query.task(task);
        }
        Set<Outcome> outcomes = outcomes(q.get("outcome"));
        if (!outcomes.isEmpty()) {
            Outcome[] rest = outcomes.stream().skip(1).toArray(Outcome[]::new);
            query = query.outcomes(outcomes.iterator().next(), rest);
        }
        Instant from = instant(q, "from");
        Instant before = instant(q, "before");
        if (from != null || before != null) {
            try {
                query = query.finished(from, before);
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "query parameters 'from' and 'before': " + e.getMessage());
            }
        }
        String after = q.get("after");
        if (after != null && !after.isEmpty()) {
            query = query.after(cursor(after));
        }
        HistoryPage page = scheduler.history(query);
        ObjectNode answer = mapper.createObjectNode();
        ArrayNode runs = answer.putArray("runs");
        page.runs().forEach(run -> runs.add(view(run)));
        answer.put("next", page.next().map(next -> next.after().finishedAt() + "_" + next.after().id()).orElse(null));
        return answer;
    }

    private ObjectNode view(RunRecord run) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", run.id());
        node.put("jobId", run.jobId());
        node.put("task", run.task());
        node.put("fireTime", run.fireTime().toString());
        node.put("attempts", run.attempts());
        node.put("node", run.node());
        node.put("startedAt", run.started().map(Instant::toString).orElse(null));
        node.put("finishedAt", run.finishedAt().toString());
        node.put("durationMs", run.duration().toMillis());
        node.put("outcome", run.outcome().name());
        node.put("error", run.error());
        node.put("stackTrace", run.stackTrace());
        // An enqueued task's run can be requeued (POST /api/execution/retry?id=<jobId>); a job's run cannot.
        node.put("enqueued", run.enqueued());
        return node;
    }

    private static Set<Outcome> outcomes(String value) {
        Set<Outcome> outcomes = EnumSet.noneOf(Outcome.class);
        if (value == null || value.isEmpty()) {
            return outcomes;
        }
        for (String name : value.split(",")) {
            try {
                outcomes.add(Outcome.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "query parameter 'outcome': '" + Query.printable(name) + "' is not one of "
                        + EnumSet.allOf(Outcome.class));
            }
        }
        return outcomes;
    }

    private static Instant instant(Query q, String name) {
        String value = q.get(name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeException e) {
            throw new HttpError(400, "query parameter '" + name + "': expected an instant such as 2026-03-01T10:00:00Z, got '"
                    + Query.printable(value) + "'");
        }
    }

    private static HistoryQuery.Cursor cursor(String value) {
        int cut = value.lastIndexOf('_');
        try {
            if (cut > 0) {
                long id = Long.parseLong(value.substring(cut + 1));
                if (id >= 0) {
                    return new HistoryQuery.Cursor(Instant.parse(value.substring(0, cut)), id);
                }
            }
        } catch (DateTimeException | NumberFormatException e) {
            // said below
        }
        throw new HttpError(400, "query parameter 'after': '" + Query.printable(value)
                + "' is not a cursor this API handed out (the 'next' of a page)");
    }
}
