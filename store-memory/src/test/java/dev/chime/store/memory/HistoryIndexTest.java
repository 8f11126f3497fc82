package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.ExecutionQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryIndexTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static List<String> all(Iterator<String> it) {
        List<String> ids = new ArrayList<>();
        it.forEachRemaining(ids::add);
        return ids;
    }

    @Test
    void answersNewestFirstWithOutOfOrderAndTiedCreationTimesMergedIn() {
        HistoryIndex index = new HistoryIndex();
        index.add(T0, "a");
        index.add(T0.plusSeconds(2), "c");
        index.add(T0.plusSeconds(1), "b");
        index.add(T0.plusSeconds(2), "b2");
        index.add(T0.plusSeconds(3), "d");

        assertThat(all(index.newestFirst(null))).containsExactly("d", "c", "b2", "b", "a");
        assertThat(all(index.newestFirst(new ExecutionQuery.Position(T0.plusSeconds(2), "c"))))
                .containsExactly("b2", "b", "a");
        assertThat(all(index.newestFirst(new ExecutionQuery.Position(T0.plusSeconds(1), "zz"))))
                .as("a position between entries").containsExactly("b", "a");
    }

    @Test
    void skipsRemovedIdsAndTakesAnIdBackWithoutItsOldEntry() {
        HistoryIndex index = new HistoryIndex();
        index.add(T0, "a");
        index.add(T0.plusSeconds(1), "b");
        index.add(T0.plusSeconds(2), "c");
        index.remove("b");
        assertThat(all(index.newestFirst(null))).containsExactly("c", "a");

        index.add(T0.plusSeconds(1), "b");
        assertThat(all(index.newestFirst(null))).containsExactly("c", "b", "a");
    }

    @Test
    void staysInOrderThroughManyRemovalsAndStragglers() {
        HistoryIndex index = new HistoryIndex();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            // Every tenth one arrives a little late, as a clock read on another thread would.
            int at = i % 10 == 9 ? i - 5 : i;
            index.add(T0.plusMillis(at), String.format("%05d", i));
        }
        for (int i = 0; i < 10_000; i++) {
            if (i % 3 == 0) {
                index.remove(String.format("%05d", i));
            }
        }
        for (int i = 9_999; i >= 0; i--) {
            if (i % 3 != 0) {
                expected.add(String.format("%05d", i));
            }
        }
        expected.sort((x, y) -> {
            int ix = Integer.parseInt(x);
            int iy = Integer.parseInt(y);
            int tx = ix % 10 == 9 ? ix - 5 : ix;
            int ty = iy % 10 == 9 ? iy - 5 : iy;
            return tx != ty ? Integer.compare(ty, tx) : y.compareTo(x);
        });
        assertThat(all(index.newestFirst(null))).containsExactlyElementsOf(expected);
    }
}
