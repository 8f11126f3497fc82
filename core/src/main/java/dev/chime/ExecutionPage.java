package dev.chime;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of {@link Scheduler#executions(ExecutionQuery)}, newest first. Immutable.
 *
 * @param executions the page
 * @param next       the cursor of the next (older) page, for {@link ExecutionQuery.Builder#after(String)};
 *                   empty on the last page
 */
public record ExecutionPage(List<Execution> executions, Optional<String> next) {

    public ExecutionPage {
        executions = List.copyOf(executions);
        Objects.requireNonNull(next, "next");
    }
}
