package dev.chime.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Knows what is running on this node: the attempts in flight (for timeouts, shutdown and the test
 * clock) and how many firings of each job are active (for max concurrent instances).
 */
final class RunTracker {

    private final Set<Attempt> attempts = ConcurrentHashMap.newKeySet();
    /** Firings claimed ahead and parked on a worker until due ({@link ParkedFirings}): in flight too. */
    private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    /** Attempts queued for or running on a worker thread (not those only waiting for their store write). */
    private final java.util.concurrent.atomic.AtomicInteger onWorkers = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Runnable capacityListener;
    private final Map<String, Integer> activeFirings = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Threads in awaitIdle; a finishing attempt only takes the lock when someone waits. */
    private final java.util.concurrent.atomic.AtomicInteger waiters = new java.util.concurrent.atomic.AtomicInteger();

    /** Takes one instance slot of a job, unless it already has {@code max} active firings. */
    boolean tryAcquireInstance(String jobId, int max) {
        // Compare-and-set rather than compute(): the dispatcher takes a slot for every firing, and
        // compute's lambda and lock node per call showed in its profile.
        Integer count = activeFirings.putIfAbsent(jobId, 1);
        while (count != null) {
            if (count >= max) {
                return false;
            }
            if (activeFirings.replace(jobId, count, count + 1)) {
                return true;
            }
            count = activeFirings.putIfAbsent(jobId, 1);
        }
        return true;
    }

    /** Takes a slot whatever the limit: a recovery takes over the instance its dead node held. */
    void forceAcquireInstance(String jobId) {
        activeFirings.merge(jobId, 1, Integer::sum);
    }

    void releaseInstance(String jobId) {
        activeFirings.computeIfPresent(jobId, (id, n) -> n <= 1 ? null : n - 1);
    }

    int activeInstances(String jobId) {
        return activeFirings.getOrDefault(jobId, 0);
    }

    void submitted(Attempt attempt) {
        attempts.add(attempt);
        onWorkers.incrementAndGet();
    }

    /**
     * An attempt's worker thread is free again (or the attempt never got one). The attempt may stay
     * in flight a while longer, waiting for its store write, but it no longer holds a worker.
     */
    void leftWorker() {
        onWorkers.decrementAndGet();
        capacityFreed();
    }

    /** Worker threads taken or about to be: attempts queued or running a body, and parked firings. */
    int workersInUse() {
        return onWorkers.get() + held.get();
    }

    void finished(Attempt attempt) {
        attempts.remove(attempt);
        capacityFreed();
    }

    /** A firing claimed ahead now occupies a worker until it falls due. */
    void hold() {
        held.incrementAndGet();
    }

    int parkedCount() {
        return held.get();
    }

    /** A parked firing became an attempt (tracked before this call) or was put back. */
    void unhold() {
        held.decrementAndGet();
        capacityFreed();
    }

    private void capacityFreed() {
        Runnable listener = capacityListener;
        if (listener != null) {
            capacityListener = null;
            listener.run();
        }
        signalChange();
    }

    /**
     * Runs {@code listener} once, when the next attempt finishes (or at once if none is in
     * flight): the dispatcher's way to sleep at the in-flight limit without polling, and without
     * every finishing attempt paying for a wake-up.
     */
    void onCapacity(Runnable listener) {
        capacityListener = listener;
        if (isIdle() && capacityListener != null) {
            capacityListener = null;
            listener.run();
        }
    }

    /** The attempts in flight, as a weakly consistent view: no copy, for the dispatcher's every pass. */
    Iterable<Attempt> attemptsInFlight() {
        return java.util.Collections.unmodifiableSet(attempts);
    }

    List<Attempt> snapshot() {
        return new ArrayList<>(attempts);
    }

    int runningAttempts() {
        return attempts.size();
    }

    /** Attempts queued or running, and firings parked until due: what the in-flight limit counts. */
    int inFlight() {
        return attempts.size() + held.get();
    }

    boolean isIdle() {
        return attempts.isEmpty() && held.get() == 0;
    }

    /** Waits, in real time, until no attempt is in flight. Returns false on timeout. */
    boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        waiters.incrementAndGet();
        lock.lock();
        try {
            while (!isIdle()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Bounded slices: an attempt can end between our check and the wait.
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)));
            }
            return true;
        } finally {
            lock.unlock();
            waiters.decrementAndGet();
        }
    }

    /**
     * Adds the threads of the attempts inside job code to {@code blocking}; answers true when some
     * attempt is on its way without needing an outside event (queued for a worker, or outside job
     * code: starting, or ending and writing to the store). A timed-out attempt still in job code
     * counts as in job code: its return frees the slot and ends its run.
     */
    boolean collectInFlight(List<Thread> blocking) {
        boolean working = false;
        for (Attempt a : attempts) {
            Thread t = a.thread();
            if (t == null || !a.isInJobCode()) {
                working = true;
            } else {
                blocking.add(t);
            }
        }
        return working;
    }

    /** Whether {@code thread} runs one of the attempts in flight. */
    boolean isAttemptThread(Thread thread) {
        for (Attempt a : attempts) {
            if (a.thread() == thread) {
                return true;
            }
        }
        return false;
    }

    private void signalChange() {
        if (waiters.get() == 0) {
            return;
        }
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
