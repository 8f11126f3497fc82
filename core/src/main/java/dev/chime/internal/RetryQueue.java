package dev.chime.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.PriorityQueue;

/**
 * Failed attempts waiting for their backoff, ordered by when they fall due on the engine's
 * {@link Ticker} (so a wall-clock step neither fires them early nor holds them back). Each keeps
 * its firing's instance slot while it waits. Thread-safe: small synchronized methods.
 */
final class RetryQueue {

    /**
     * @param lastRun the failed attempt's entry, recorded if the retry is dropped at shutdown
     * @param durable the store holds the retry with its run ({@code JobStore.deferRun}): at
     *                shutdown it is left there for another node to take over, not ended
     */
    record PendingRetry(long dueNanos, ActiveFiring firing, int attempt, dev.chime.RunRecord lastRun, boolean durable) {
    }

    // Compared by difference, not by value: ticker readings may wrap (System.nanoTime's may).
    private final PriorityQueue<PendingRetry> queue = new PriorityQueue<>(16,
            (a, b) -> Long.compare(a.dueNanos() - b.dueNanos(), 0));
    private boolean closed;

    /** Queues a retry; false, queuing nothing, once {@link #close closed} (shutdown). */
    synchronized boolean offer(PendingRetry retry) {
        if (closed) {
            return false;
        }
        queue.add(retry);
        return true;
    }

    /** Takes out every retry due at {@code nowNanos}, earliest first. */
    synchronized List<PendingRetry> takeDue(long nowNanos) {
        List<PendingRetry> due = new ArrayList<>(0);
        PendingRetry head;
        while ((head = queue.peek()) != null && nowNanos - head.dueNanos() >= 0) {
            due.add(queue.poll());
        }
        return due;
    }

    /** The retry waiting for the job's firing, if any. */
    synchronized java.util.Optional<PendingRetry> find(String jobId) {
        return queue.stream().filter(r -> r.firing().jobId().equals(jobId)).findFirst();
    }

    /** Takes out the retry waiting for an enqueued task's firing, if any (the caller then ends the firing). */
    synchronized java.util.Optional<PendingRetry> removeTask(String jobId) {
        java.util.Optional<PendingRetry> found = find(jobId).filter(r -> r.firing().definition().enqueued());
        found.ifPresent(queue::remove);
        return found;
    }

    synchronized OptionalLong nextDue() {
        PendingRetry head = queue.peek();
        return head == null ? OptionalLong.empty() : OptionalLong.of(head.dueNanos());
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Refuses new retries from now on and hands back the ones still waiting. */
    synchronized List<PendingRetry> close() {
        closed = true;
        List<PendingRetry> left = new ArrayList<>(queue);
        queue.clear();
        return left;
    }
}
