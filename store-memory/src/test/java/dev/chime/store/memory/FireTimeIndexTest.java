package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class FireTimeIndexTest {

    private final FireTimeIndex index = new FireTimeIndex();

    @Test
    void pollsEarliestFirstBySecondsThenNanosThenLowestSlot() {
        index.add(5, 10, 0);
        index.add(3, 9, 999_999_999);
        index.add(7, 10, 0);
        index.add(1, 10, 1);
        index.add(2, -4, 0);

        List<Integer> order = new ArrayList<>();
        while (!index.isEmpty()) {
            order.add(index.pollFirst());
        }
        assertThat(order).containsExactly(2, 3, 5, 7, 1);
    }

    @Test
    void firstIsDueComparesAtNanosecondPrecision() {
        assertThat(index.firstIsDue(Long.MAX_VALUE, 0)).as("empty").isFalse();
        index.add(0, 100, 500);

        assertThat(index.firstIsDue(100, 499)).isFalse();
        assertThat(index.firstIsDue(100, 500)).isTrue();
        assertThat(index.firstIsDue(101, 0)).isTrue();
        assertThat(index.firstEpochSecond()).isEqualTo(100);
        assertThat(index.firstNano()).isEqualTo(500);
    }

    @Test
    void removesAnySlotAndForgetsIt() {
        for (int slot = 0; slot < 10; slot++) {
            index.add(slot, 100 - slot, 0);
        }
        assertThat(index.remove(9)).isTrue();
        assertThat(index.remove(9)).as("already gone").isFalse();
        assertThat(index.remove(42)).as("never there").isFalse();
        assertThat(index.contains(9)).isFalse();
        assertThat(index.size()).isEqualTo(9);
        assertThat(index.pollFirst()).isEqualTo(8);

        index.add(9, 0, 0);
        assertThat(index.firstSlot()).as("a removed slot can come back").isEqualTo(9);
    }

    @Test
    void agreesWithATreeSetOnRandomAddsRemovesAndPolls() {
        Random random = new Random(20);
        long[][] keys = new long[2_000][];
        Comparator<Integer> order = Comparator.<Integer>comparingLong(s -> keys[s][0])
                .thenComparingLong(s -> keys[s][1]).thenComparing(Comparator.naturalOrder());
        TreeSet<Integer> oracle = new TreeSet<>(order);
        // The oracle compares by keys[slot], so it is asked only about slots it holds.
        boolean[] held = new boolean[keys.length];
        for (int step = 0; step < 50_000; step++) {
            int slot = random.nextInt(keys.length);
            int action = random.nextInt(3);
            if (action == 0 && !held[slot]) {
                // Few distinct times, so ties are common.
                keys[slot] = new long[] {random.nextInt(50), random.nextInt(3)};
                index.add(slot, keys[slot][0], (int) keys[slot][1]);
                oracle.add(slot);
                held[slot] = true;
            } else if (action == 1) {
                assertThat(index.remove(slot)).isEqualTo(held[slot]);
                if (held[slot]) {
                    oracle.remove(slot);
                    held[slot] = false;
                }
            } else if (!oracle.isEmpty()) {
                int first = oracle.pollFirst();
                assertThat(index.pollFirst()).isEqualTo(first);
                held[first] = false;
            }
            assertThat(index.size()).isEqualTo(oracle.size());
        }
        while (!oracle.isEmpty()) {
            assertThat(index.pollFirst()).isEqualTo(oracle.pollFirst());
        }
    }
}
