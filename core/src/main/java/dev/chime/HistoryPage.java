package dev.chime;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of the run history, newest first.
 *
 * @param runs the runs on this page
 * @param next the query for the next (older) page, or empty when this page is the last
 */
public record HistoryPage(List<RunRecord> runs, Optional<HistoryQuery> next) {

    public HistoryPage {
        runs = List.copyOf(runs);
        Objects.requireNonNull(next, "next");
    }

    /**
     * The page of {@code query} given the runs that match it, newest first, with at most one run
     * more than the query's limit: that extra run, if there, says a next page exists and is left
     * off. What a store builds its answer with.
     */
    public static HistoryPage of(HistoryQuery query, List<RunRecord> matchingPlusOne) {
        if (matchingPlusOne.size() <= query.limit()) {
            return new HistoryPage(matchingPlusOne, Optional.empty());
        }
        List<RunRecord> page = matchingPlusOne.subList(0, query.limit());
        RunRecord last = page.get(page.size() - 1);
        return new HistoryPage(page, Optional.of(query.after(new HistoryQuery.Cursor(last.finishedAt(), last.id()))));
    }
}
