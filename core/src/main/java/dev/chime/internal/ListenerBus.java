package dev.chime.internal;

import dev.chime.ChimeEvent;
import dev.chime.SchedulerListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers events to every listener; one that throws is logged and the others still hear the event. */
public final class ListenerBus {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerBus.class);

    private final List<SchedulerListener> listeners = new CopyOnWriteArrayList<>();

    public void add(SchedulerListener listener) {
        listeners.add(listener);
    }

    public void remove(SchedulerListener listener) {
        listeners.remove(listener);
    }

    /** Builds the event only if someone listens: the hot path allocates nothing for an empty bus. */
    public void publish(Supplier<? extends ChimeEvent> event) {
        if (!listeners.isEmpty()) {
            publish(event.get());
        }
    }

    public void publish(ChimeEvent event) {
        for (SchedulerListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (Throwable t) {
                LOG.warn("listener {} threw on {}; the scheduler and the other listeners go on", listener, event, t);
            }
        }
    }
}
