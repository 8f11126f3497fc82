package dev.chime.internal;

import dev.chime.CancellationSignal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A one-way cancellation flag with callbacks. */
final class Signal implements CancellationSignal {

    private static final Logger LOG = LoggerFactory.getLogger(Signal.class);

    private final List<Runnable> actions = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void onCancel(Runnable action) {
        actions.add(action);
        if (cancelled && actions.remove(action)) {
            runGuarded(action);
        }
    }

    void cancel() {
        cancelled = true;
        for (Runnable action : actions) {
            if (actions.remove(action)) {
                runGuarded(action);
            }
        }
    }

    private static void runGuarded(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("a cancellation callback threw", e);
        }
    }
}
