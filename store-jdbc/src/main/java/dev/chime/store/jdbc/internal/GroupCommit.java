package dev.chime.store.jdbc.internal;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Concurrent callers' batches carried out together, in one transaction (group commit without a
 * thread of its own). The first caller to arrive writes; callers that arrive while it writes queue
 * up, and when it is done one of them writes everything queued in one go, on its own thread.
 *
 * <p>Why: firings claimed ahead wake on their workers at the same instant and each dispatches
 * itself. Each dispatch transaction first locks this node's row (its liveness check), so they
 * ran one after the other, a commit each: the last of 13 parked firings started some commits
 * late. Grouped, they cost about two commits whatever their number. A lone caller (the
 * dispatcher's batches) writes at once, as before.
 *
 * <p>A group is what a dispatcher batch already is, so the work must treat items of different
 * callers as independent. A failure of the group's work reaches every caller in it. The group
 * needs no bound: each caller brings one batch and waits for it, so a group holds at most one
 * batch per thread that dispatches. Thread-safe.
 *
 * @param <T> an item of a batch
 * @param <R> the answer for one item, in the item's position
 */
final class GroupCommit<T, R> {

    /** Carries a group out: one answer per item, in order. */
    @FunctionalInterface
    interface Work<T, R> {
        List<R> run(List<T> items) throws SQLException;
    }

    private final class Caller {
        final List<T> items;
        List<R> answers;
        Throwable failure;
        boolean done;

        Caller(List<T> items) {
            this.items = items;
        }
    }

    private final Work<T, R> work;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition turn = lock.newCondition();
    private final ArrayDeque<Caller> queued = new ArrayDeque<>();
    private boolean writing;

    GroupCommit(Work<T, R> work) {
        this.work = work;
    }

    /** Carries {@code items} out, alone or with other callers' items, and answers for them. */
    List<R> run(List<T> items) throws SQLException {
        Caller me = new Caller(items);
        List<Caller> group;
        lock.lock();
        try {
            queued.add(me);
            // Not interruptible: once queued, a writer may already be carrying these items out.
            while (writing && !me.done) {
                turn.awaitUninterruptibly();
            }
            if (me.done) {
                return answerOf(me);
            }
            writing = true;
            group = new ArrayList<>(queued);
            queued.clear();
        } finally {
            lock.unlock();
        }
        write(group);
        return answerOf(me);
    }

    private void write(List<Caller> group) {
        List<T> all = new ArrayList<>();
        for (Caller c : group) {
            all.addAll(c.items);
        }
        List<R> answers = null;
        Throwable failure = null;
        try {
            answers = work.run(all);
            if (answers.size() != all.size()) {
                failure = new IllegalStateException(answers.size() + " answers for " + all.size() + " items");
            }
        } catch (Throwable e) {
            failure = e;
        }
        lock.lock();
        try {
            int from = 0;
            for (Caller c : group) {
                if (failure == null) {
                    c.answers = new ArrayList<>(answers.subList(from, from + c.items.size()));
                } else {
                    c.failure = failure;
                }
                from += c.items.size();
                c.done = true;
            }
            writing = false;
            turn.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Callers queued behind the group being written (for tests). */
    int queuedCallers() {
        lock.lock();
        try {
            return queued.size();
        } finally {
            lock.unlock();
        }
    }

    /** The caller's answers, or its group's failure, rethrown on this caller's thread. */
    private List<R> answerOf(Caller c) throws SQLException {
        Throwable e = c.failure;
        if (e == null) {
            return c.answers;
        }
        if (e instanceof SQLException sql) {
            // A copy, so that each caller's trace shows its own thread; SQLState and vendor code
            // (what decides whether a failure is transient) are kept.
            throw new SQLException(sql.getMessage(), sql.getSQLState(), sql.getErrorCode(), sql);
        }
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException(e);
    }
}
