package dev.chime;

import java.util.List;
import java.util.Optional;

/**
 * What {@link Scheduler#declare} did, job ids by outcome. Immutable.
 *
 * @param added      declared jobs that were not stored
 * @param replaced   declared jobs whose declaration changed
 * @param kept       declared jobs left as they were (their origin may have been brought up to date)
 * @param removed    jobs an earlier start declared and this one does not, removed
 * @param paused     such jobs paused ({@link Declarations.StaleJobs#PAUSE}), now or at an earlier start
 * @param supersededBy the newer version whose declarations are in force, when this code's are older
 *                   and nothing was changed
 */
public record DeclarationReport(List<String> added, List<String> replaced, List<String> kept, List<String> removed,
                                List<String> paused, Optional<String> supersededBy) {

    public DeclarationReport {
        added = List.copyOf(added);
        replaced = List.copyOf(replaced);
        kept = List.copyOf(kept);
        removed = List.copyOf(removed);
        paused = List.copyOf(paused);
    }
}
