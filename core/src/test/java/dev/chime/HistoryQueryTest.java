package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** HistoryQuery's validation and its cursor at equal finish times, as a store that filters in memory uses it. */
class HistoryQueryTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static RunRecord run(long id, String job, Instant finished) {
        return new RunRecord(id, job, "t", T0, 1, "n", T0, finished, Duration.ZERO, Outcome.SUCCESS, null, null);
    }

    @Test
    void theCanonicalConstructorRefusesWhatTheMethodsRefuseNamingTheField() {
        assertThatThrownBy(() -> new HistoryQuery(null, null, null, null, null, 10, null))
                .hasMessageContaining("outcomes");
        assertThatThrownBy(() -> new HistoryQuery(null, null, Set.of(), T0, T0, 10, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finished: from");
        assertThatThrownBy(() -> new HistoryQuery.Cursor(T0, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
    }

    @Test
    void limitsAtTheirEdges() {
        assertThat(HistoryQuery.all().limit(1).limit()).isEqualTo(1);
        assertThat(HistoryQuery.all().limit(HistoryQuery.MAX_LIMIT).limit()).isEqualTo(HistoryQuery.MAX_LIMIT);
        assertThatThrownBy(() -> HistoryQuery.all().limit(HistoryQuery.MAX_LIMIT + 1)).hasMessageContaining("limit: 1001");
    }

    @Test
    void pagesOfOneWalkRunsThatFinishAtOneInstantWithoutGapsOrRepeats() {
        List<RunRecord> all = List.of(run(5, "a", T0), run(4, "b", T0), run(3, "a", T0), run(2, "a", T0.minusSeconds(1)),
                run(1, "a", T0));
        HistoryQuery query = HistoryQuery.forJob("a").limit(1);
        List<Long> seen = new java.util.ArrayList<>();
        for (int i = 0; i < 10 && query != null; i++) {
            HistoryQuery q = query;
            List<RunRecord> matching = all.stream().filter(q::matches)
                    .sorted(java.util.Comparator.comparing(RunRecord::finishedAt).thenComparingLong(RunRecord::id).reversed())
                    .limit(q.limit() + 1).toList();
            HistoryPage page = HistoryPage.of(q, matching);
            page.runs().forEach(r -> seen.add(r.id()));
            query = page.next().orElse(null);
        }
        assertThat(seen).containsExactly(5L, 3L, 1L, 2L);
    }
}
