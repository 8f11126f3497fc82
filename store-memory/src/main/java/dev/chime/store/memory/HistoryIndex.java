package dev.chime.store.memory;

import dev.chime.ExecutionQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;

/**
 * The executions' ids in history order (newest first by creation time, then by id descending),
 * for the memory store. Executions are nearly always created in time order, so the index is an
 * array sorted oldest first to which a new id is appended in O(1); the few created out of order
 * (clocks read on different threads) wait in a small sorted set. A deleted id is only marked dead
 * and skipped, and the array is rebuilt once the dead ones are as many as the live ones. A sorted
 * tree of every execution cost a walk of some twenty nodes for each one created, on the
 * dispatcher's thread: a quarter of its work at full speed. Not thread-safe: the store's lock guards it.
 */
final class HistoryIndex {

    /** One entry: where an execution sorts. */
    record Key(Instant createdAt, String id) implements Comparable<Key> {
        @Override
        public int compareTo(Key other) {
            int byTime = createdAt.compareTo(other.createdAt);
            return byTime != 0 ? byTime : id.compareTo(other.id);
        }
    }

    private Key[] sorted = new Key[1024];
    private int size;
    private final TreeSet<Key> stragglers = new TreeSet<>();
    private final Set<String> dead = new HashSet<>();

    /** Adds an id that is not in the index. */
    void add(Instant createdAt, String id) {
        if (dead.contains(id)) {
            // Its old entry would look alive again: drop the dead first.
            compact();
        }
        Key key = new Key(createdAt, id);
        if (size > 0 && key.compareTo(sorted[size - 1]) < 0) {
            stragglers.add(key);
            if (stragglers.size() > 1024 && stragglers.size() > size / 8) {
                compact();
            }
            return;
        }
        if (size == sorted.length) {
            sorted = Arrays.copyOf(sorted, size * 2);
        }
        sorted[size++] = key;
    }

    /** Takes an id out (it is skipped from now on). */
    void remove(String id) {
        dead.add(id);
        if (dead.size() > 1024 && dead.size() > (size + stragglers.size()) / 2) {
            compact();
        }
    }

    /** The live ids, newest first, strictly after the position when one is given. */
    Iterator<String> newestFirst(ExecutionQuery.Position after) {
        int start = size - 1;
        Iterator<Key> late = stragglers.descendingIterator();
        if (after != null) {
            Key from = new Key(after.createdAt(), after.id());
            int at = Arrays.binarySearch(sorted, 0, size, from);
            // Strictly older than the position: below it (found), or below where it would go.
            start = at >= 0 ? at - 1 : -at - 2;
            late = stragglers.headSet(from, false).descendingIterator();
        }
        int first = start;
        Iterator<Key> lateOnes = late;
        return new Iterator<>() {
            private int i = first;
            private Key nextLate = advance(lateOnes);
            private String next = find();

            private Key advance(Iterator<Key> it) {
                while (it.hasNext()) {
                    Key k = it.next();
                    if (!dead.contains(k.id())) {
                        return k;
                    }
                }
                return null;
            }

            private String find() {
                while (i >= 0 && dead.contains(sorted[i].id())) {
                    i--;
                }
                Key fromArray = i >= 0 ? sorted[i] : null;
                if (fromArray == null && nextLate == null) {
                    return null;
                }
                if (nextLate == null || (fromArray != null && fromArray.compareTo(nextLate) > 0)) {
                    i--;
                    return fromArray.id();
                }
                Key taken = nextLate;
                nextLate = advance(lateOnes);
                return taken.id();
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public String next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                String id = next;
                next = find();
                return id;
            }
        };
    }

    /** Rebuilds the array from the live entries, stragglers sorted in. */
    private void compact() {
        List<Key> live = new ArrayList<>(size + stragglers.size());
        for (int i = 0; i < size; i++) {
            if (!dead.contains(sorted[i].id())) {
                live.add(sorted[i]);
            }
        }
        for (Key k : stragglers) {
            if (!dead.contains(k.id())) {
                live.add(k);
            }
        }
        Collections.sort(live);
        sorted = live.toArray(new Key[Math.max(1024, live.size() * 2)]);
        size = live.size();
        stragglers.clear();
        dead.clear();
    }
}
