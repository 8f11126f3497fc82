package dev.chime.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.ChimeEvent;
import dev.chime.JobEvent;
import dev.chime.SchedulerListener;
import jakarta.inject.Singleton;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The most recent events of this node, for the minute report. Bounded: the
 * oldest event goes when a new one comes past the capacity. Claims and submissions, two per run,
 * are left out so that they do not push the interesting events away.
 */
@Singleton
public final class EventLog implements SchedulerListener {

    static final int CAPACITY = 500;

    private final ArrayDeque<ChimeEvent> events = new ArrayDeque<>();

    @Override
    public void onEvent(ChimeEvent event) {
        if (event instanceof JobEvent.Claimed || event instanceof JobEvent.Submitted) {
            return;
        }
        synchronized (events) {
            if (events.size() == CAPACITY) {
                events.removeFirst();
            }
            events.addLast(event);
        }
    }

    /**
     * Newest first.
     *
     * @param type  an event's simple name, e.g. {@code Failed}, or null for all
     * @param jobId a job id, or null for all
     */
    public ArrayNode recent(int limit, String type, String jobId) {
        List<ChimeEvent> picked = new ArrayList<>();
        synchronized (events) {
            for (Iterator<ChimeEvent> it = events.descendingIterator(); it.hasNext() && picked.size() < limit; ) {
                ChimeEvent e = it.next();
                if ((type == null || e.getClass().getSimpleName().equalsIgnoreCase(type))
                        && (jobId == null || (e instanceof JobEvent je && je.jobId().equals(jobId)))) {
                    picked.add(e);
                }
            }
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        picked.forEach(e -> out.add(toJson(e)));
        return out;
    }

    /** An event as JSON: its type and its record fields; durations in milliseconds, errors as text. */
    static ObjectNode toJson(ChimeEvent event) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("type", event.getClass().getSimpleName());
        for (RecordComponent component : event.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(event);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + component.getName() + " of " + event, e);
            }
            String name = component.getName();
            if (value == null) {
                node.putNull(name);
            } else if (value instanceof Duration d) {
                node.put(name + "Ms", d.toMillis());
            } else if (value instanceof Throwable t) {
                node.put(name, t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
            } else if (value instanceof Boolean b) {
                node.put(name, b);
            } else if (value instanceof Integer i) {
                node.put(name, i);
            } else if (value instanceof Instant || value instanceof String) {
                node.put(name, value.toString());
            } else {
                node.put(name, String.valueOf(value));
            }
        }
        return node;
    }
}
