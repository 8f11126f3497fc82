package dev.chime.store.memory;

import java.util.Arrays;

/**
 * The schedulable jobs in fire-time order: a 4-ary min-heap of int slots, keyed by a fire time
 * held as epoch seconds and nanos, with each slot's heap position kept so that any slot can be
 * taken out in O(log n). Everything lives in primitive arrays: adding, polling and removing
 * allocate nothing (but when an array grows) and write no references, so a firing leaves nothing
 * behind for the garbage collector to copy and no old-generation card for G1 to refine.
 *
 * <p>Two slots due at one instant come out lowest slot first: a comparison never leaves these
 * arrays (comparing the jobs' ids on ties made a million jobs due at one instant claim at less than
 * half the rate). Not thread-safe: the store calls it under its lock.
 */
final class FireTimeIndex {

    private static final int ARITY = 4;
    private static final int ABSENT = -1;

    /** Heap order: position i holds slot {@code slots[i]} due at {@code seconds[i]}, {@code nanos[i]}. */
    private long[] seconds = new long[16];
    private int[] nanos = new int[16];
    private int[] slots = new int[16];
    /** By slot: where the slot is in the heap, or {@link #ABSENT}. */
    private int[] positions = new int[16];
    private int size;

    FireTimeIndex() {
        Arrays.fill(positions, ABSENT);
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    boolean contains(int slot) {
        return slot < positions.length && positions[slot] != ABSENT;
    }

    /** Adds a slot that is not in the index. */
    void add(int slot, long epochSecond, int nano) {
        if (contains(slot)) {
            throw new IllegalStateException("slot " + slot + " is already in the index");
        }
        ensureSlot(slot);
        if (size == slots.length) {
            int capacity = size + (size >> 1);
            seconds = Arrays.copyOf(seconds, capacity);
            nanos = Arrays.copyOf(nanos, capacity);
            slots = Arrays.copyOf(slots, capacity);
        }
        siftUp(size++, slot, epochSecond, nano);
    }

    /** Takes a slot out; false when it was not in the index. */
    boolean remove(int slot) {
        if (!contains(slot)) {
            return false;
        }
        int at = positions[slot];
        positions[slot] = ABSENT;
        int last = --size;
        if (at != last) {
            int movedSlot = slots[last];
            long movedSeconds = seconds[last];
            int movedNanos = nanos[last];
            // The last entry fills the hole: it may belong above it or below it.
            if (at > 0 && before(movedSeconds, movedNanos, movedSlot, (at - 1) / ARITY)) {
                siftUp(at, movedSlot, movedSeconds, movedNanos);
            } else {
                siftDown(at, movedSlot, movedSeconds, movedNanos);
            }
        }
        return true;
    }

    /** The earliest slot; the index must not be empty. */
    int firstSlot() {
        return slots[0];
    }

    long firstEpochSecond() {
        return seconds[0];
    }

    int firstNano() {
        return nanos[0];
    }

    /** Whether the earliest fire time is at or before the given instant; false when empty. */
    boolean firstIsDue(long epochSecond, int nano) {
        return size > 0 && (seconds[0] < epochSecond || seconds[0] == epochSecond && nanos[0] <= nano);
    }

    /** Takes out and answers the earliest slot; the index must not be empty. */
    int pollFirst() {
        int first = slots[0];
        remove(first);
        return first;
    }

    /** Moves the hole at {@code at} up until the given entry fits there, then puts it there. */
    private void siftUp(int at, int slot, long epochSecond, int nano) {
        while (at > 0) {
            int parent = (at - 1) / ARITY;
            if (!before(epochSecond, nano, slot, parent)) {
                break;
            }
            place(at, parent);
            at = parent;
        }
        put(at, slot, epochSecond, nano);
    }

    /** Moves the hole at {@code at} down until the given entry fits there, then puts it there. */
    private void siftDown(int at, int slot, long epochSecond, int nano) {
        while (true) {
            int firstChild = at * ARITY + 1;
            if (firstChild >= size) {
                break;
            }
            int earliest = firstChild;
            int end = Math.min(firstChild + ARITY, size);
            for (int child = firstChild + 1; child < end; child++) {
                if (before(seconds[child], nanos[child], slots[child], earliest)) {
                    earliest = child;
                }
            }
            if (!precedes(seconds[earliest], nanos[earliest], slots[earliest], epochSecond, nano, slot)) {
                break;
            }
            place(at, earliest);
            at = earliest;
        }
        put(at, slot, epochSecond, nano);
    }

    /** Copies the entry at position {@code from} to position {@code to}. */
    private void place(int to, int from) {
        put(to, slots[from], seconds[from], nanos[from]);
    }

    private void put(int at, int slot, long epochSecond, int nano) {
        slots[at] = slot;
        seconds[at] = epochSecond;
        nanos[at] = nano;
        positions[slot] = at;
    }

    /** Whether the given entry comes before the one at heap position {@code at}. */
    private boolean before(long epochSecond, int nano, int slot, int at) {
        return precedes(epochSecond, nano, slot, seconds[at], nanos[at], slots[at]);
    }

    private static boolean precedes(long aSeconds, int aNanos, int aSlot, long bSeconds, int bNanos, int bSlot) {
        if (aSeconds != bSeconds) {
            return aSeconds < bSeconds;
        }
        if (aNanos != bNanos) {
            return aNanos < bNanos;
        }
        return aSlot < bSlot;
    }

    private void ensureSlot(int slot) {
        if (slot >= positions.length) {
            int old = positions.length;
            positions = Arrays.copyOf(positions, Math.max(slot + 1, old + (old >> 1)));
            Arrays.fill(positions, old, positions.length, ABSENT);
        }
    }
}
