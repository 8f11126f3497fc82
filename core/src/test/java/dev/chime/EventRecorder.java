package dev.chime;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** A listener that keeps every event, for assertions. */
final class EventRecorder implements SchedulerListener {

    private final List<ChimeEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(ChimeEvent event) {
        events.add(event);
    }

    List<ChimeEvent> all() {
        return List.copyOf(events);
    }

    <E extends ChimeEvent> List<E> of(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    void clear() {
        events.clear();
    }
}
