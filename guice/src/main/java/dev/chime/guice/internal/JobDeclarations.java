package dev.chime.guice.internal;

import dev.chime.DuplicateJobException;
import dev.chime.JobDefinition;
import dev.chime.JobInfo;
import dev.chime.Scheduler;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts declared jobs (annotations, schedule files) into a scheduler at start. A job already stored
 * with the same declaration is left alone, so it keeps its schedule and pause state across
 * restarts and when several cluster nodes start at once; a changed declaration replaces it.
 *
 * <p>A trigger relative to the moment it is added (an interval with no start) is anchored at the
 * epoch instead of "now": {@code interval:PT10S} fires at :00, :10, :20... Every node and every
 * restart then computes the same trigger, so a declaration can be compared with the stored job.
 */
public final class JobDeclarations {

    private static final Logger LOG = LoggerFactory.getLogger(JobDeclarations.class);

    private JobDeclarations() {
    }

    public static void declare(Scheduler scheduler, List<JobDefinition> declared) {
        for (JobDefinition given : declared) {
            JobDefinition job = given.toBuilder().trigger(given.trigger().anchoredAt(Instant.EPOCH)).build();
            Optional<JobInfo> stored = scheduler.job(job.id());
            if (stored.isEmpty()) {
                try {
                    scheduler.add(job);
                    LOG.info("declared job '{}' ({}, {}) added", job.id(), job.task(), job.trigger().spec());
                    continue;
                } catch (DuplicateJobException e) {
                    stored = scheduler.job(job.id()); // another node added it just now
                }
            }
            if (stored.isPresent() && !sameDeclaration(stored.get().definition(), job)) {
                scheduler.addOrReplace(job);
                LOG.info("declared job '{}' changed; replaced ({}, {})", job.id(), job.task(), job.trigger().spec());
            }
        }
    }

    static boolean sameDeclaration(JobDefinition stored, JobDefinition declared) {
        return stored.task().equals(declared.task())
                && stored.trigger().spec().equals(declared.trigger().spec())
                && stored.options().equals(declared.options())
                && Objects.equals(stored.dataJson(), declared.dataJson());
    }
}
