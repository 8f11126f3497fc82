package dev.chime.internal;

import dev.chime.CancellationSignal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A one-way cancellation flag with callbacks. */
final class Signal implements CancellationSignal {

    private static final Logger LOG = LoggerFactory.getLogger(Signal.class);

    /** Made on first use: most jobs never register a callback, and every attempt has a signal. */
    private volatile List<Runnable> actions;
    private volatile boolean cancelled;

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void onCancel(Runnable action) {
        List<Runnable> list = actions();
        list.add(action);
        if (cancelled && list.remove(action)) {
            runGuarded(action);
        }
    }

    void cancel() {
        cancelled = true;
        List<Runnable> list = actions;
        if (list == null) {
            return;
        }
        for (Runnable action : list) {
            if (list.remove(action)) {
                runGuarded(action);
            }
        }
    }

    private List<Runnable> actions() {
        List<Runnable> list = actions;
        if (list == null) {
            synchronized (this) {
                list = actions;
                if (list == null) {
                    list = new CopyOnWriteArrayList<>();
                    actions = list;
                }
            }
        }
        return list;
    }

    private static void runGuarded(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("a cancellation callback threw", e);
        }
    }
}
