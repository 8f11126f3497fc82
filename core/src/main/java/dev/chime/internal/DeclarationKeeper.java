package dev.chime.internal;

import dev.chime.DeclarationReport;
import dev.chime.Declarations;
import dev.chime.DuplicateJobException;
import dev.chime.JobDefinition;
import dev.chime.JobOrigin;
import dev.chime.Scheduler;
import dev.chime.Trigger;
import dev.chime.spi.JobStore;
import dev.chime.spi.StoredJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out {@link Scheduler#declare}: the store follows the declared jobs of one group, the
 * newest code's declarations win. Every change goes through the scheduler's own operations (so
 * listeners hear it) or, to record a new origin on an unchanged job, through the store's
 * version-checked {@code update}, which keeps the job's schedule, pause state and last outcome.
 */
final class DeclarationKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(DeclarationKeeper.class);
    /** Bounds the re-reads of one job that other writers (claims, other nodes) keep changing. */
    private static final int ATTEMPTS = 50;

    private final Scheduler scheduler;
    private final JobStore store;
    private final JobCodec codec;

    DeclarationKeeper(Scheduler scheduler, JobStore store, JobCodec codec) {
        this.scheduler = scheduler;
        this.store = store;
        this.codec = codec;
    }

    DeclarationReport apply(Declarations d) {
        List<Stored> group = storedGroup(d.group());
        Optional<String> newest = newerThan(group, d);
        if (newest.isPresent()) {
            LOG.warn("declared jobs of group '{}': version {} of the code is older than version {} stored by another node;"
                    + " leaving the store as the newer code declared it", d.group(), d.version(), newest.get());
            return new DeclarationReport(List.of(), List.of(), List.of(), List.of(), List.of(), newest);
        }
        List<String> added = new ArrayList<>();
        List<String> replaced = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        Set<String> declaredIds = new HashSet<>();
        for (Declarations.Declared declared : d.jobs()) {
            declaredIds.add(declared.job().id());
            switch (declare(d, declared)) {
                case ADDED -> added.add(declared.job().id());
                case REPLACED -> replaced.add(declared.job().id());
                case KEPT -> kept.add(declared.job().id());
            }
        }
        List<String> removed = new ArrayList<>();
        List<String> paused = new ArrayList<>();
        Optional<String> newer = newerThan(d);
        if (newer.isPresent()) {
            // A node on newer code declared meanwhile (starts that overlap): what it no longer
            // declares is its business; its next start removes whatever this one just added.
            LOG.warn("declared jobs of group '{}': version {} declared while version {} was declaring; jobs no longer declared"
                    + " are left to it", d.group(), newer.get(), d.version());
            return new DeclarationReport(added, replaced, kept, removed, paused, newer);
        }
        for (Stored stale : group) {
            if (declaredIds.contains(stale.job().id())) {
                continue;
            }
            String id = stale.job().id();
            if (d.staleJobs() == Declarations.StaleJobs.REMOVE) {
                if (scheduler.remove(id)) {
                    removed.add(id);
                    LOG.info("declared job '{}' (from {}) is no longer declared; removed", id, stale.origin().source());
                }
            } else {
                if (!stale.paused()) {
                    scheduler.pauseJob(id);
                }
                paused.add(id);
                LOG.warn("declared job '{}' (from {}) is no longer declared; it is paused: remove it with Scheduler.remove",
                        id, stale.origin().source());
            }
        }
        return new DeclarationReport(added, replaced, kept, removed, paused, Optional.empty());
    }

    private Optional<String> newerThan(Declarations d) {
        return newerThan(storedGroup(d.group()), d);
    }

    /** The newest version stored in the group, if it is newer than this code's. */
    private static Optional<String> newerThan(List<Stored> group, Declarations d) {
        return group.stream().map(s -> s.origin().version())
                .filter(v -> Declarations.compareVersions(v, d.version()) > 0)
                .max(Declarations::compareVersions);
    }

    private enum Outcome { ADDED, REPLACED, KEPT }

    private Outcome declare(Declarations d, Declarations.Declared declared) {
        JobDefinition given = declared.job();
        String declaredSpec = given.trigger().spec();
        Trigger trigger = anchorForDeclaration(given.trigger());
        JobOrigin origin = new JobOrigin(d.group(), d.version(), declared.source(), declaredSpec);
        JobDefinition job = given.toBuilder().trigger(trigger).origin(origin).build();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<StoredJob> current = store.get(job.id());
            if (current.isEmpty()) {
                try {
                    scheduler.add(job);
                    LOG.info("declared job '{}' ({}, {}) added", job.id(), job.task(), declaredSpec);
                    return Outcome.ADDED;
                } catch (DuplicateJobException e) {
                    continue; // another node added it just now: compare with what it stored
                }
            }
            StoredJob stored = current.get();
            JobDefinition before = decodeOrNull(stored);
            if (before == null || !sameDeclaration(before, job, trigger)) {
                scheduler.addOrReplace(job);
                LOG.info("declared job '{}' changed; replaced ({}, {})", job.id(), job.task(), declaredSpec);
                return Outcome.REPLACED;
            }
            if (origin.equals(before.origin().orElse(null))) {
                return Outcome.KEPT;
            }
            if (stored.claimedFireTime() != null) {
                // Writing now would drop the claim of a firing in progress; the origin is brought up
                // to date at a later start. The group's version is recorded by its other jobs.
                LOG.debug("declared job '{}' is claimed; its origin is left for a later start", job.id());
                return Outcome.KEPT;
            }
            String options = JobCodec.withOrigin(JobCodec.writeOptions(before.options()), origin);
            StoredJob stamped = new StoredJob(stored.id(), stored.task(), stored.triggerSpec(), options, stored.dataJson(),
                    stored.paused(), stored.nextFireTime(), null, stored.lastRun(), stored.version());
            if (store.update(stamped)) {
                return Outcome.KEPT;
            }
        }
        throw new IllegalStateException("declared job '" + job.id() + "' kept changing under " + ATTEMPTS
                + " attempts to declare it; another writer is changing it continuously");
    }

    /**
     * An {@code interval} without a start is put on the epoch's grid, the same on every node; any
     * other trigger is anchored by {@link Scheduler#add} at the moment it is first declared.
     */
    static Trigger anchorForDeclaration(Trigger trigger) {
        return trigger.spec().startsWith("interval:") ? trigger.anchoredAt(Instant.EPOCH) : trigger;
    }

    /**
     * Same task, options, data and trigger. A job with an origin compares the spec as declared
     * (its stored spec carries the anchor); one stored before origins were kept compares the
     * stored spec with what that code stored.
     */
    static boolean sameDeclaration(JobDefinition stored, JobDefinition declared, Trigger anchored) {
        String declaredSpec = declared.origin().orElseThrow().declaredTrigger();
        boolean sameTrigger = stored.origin().isPresent()
                ? stored.origin().get().declaredTrigger().equals(declaredSpec)
                : stored.trigger().spec().equals(anchored.spec());
        return sameTrigger
                && stored.task().equals(declared.task())
                && stored.options().equals(declared.options())
                && Objects.equals(stored.dataJson(), declared.dataJson());
    }

    private record Stored(JobDefinition job, JobOrigin origin, boolean paused) {
    }

    private List<Stored> storedGroup(String group) {
        List<Stored> result = new ArrayList<>();
        for (StoredJob stored : store.list()) {
            JobDefinition job = decodeOrNull(stored);
            if (job != null && job.origin().isPresent() && job.origin().get().group().equals(group)) {
                result.add(new Stored(job, job.origin().get(), stored.paused()));
            }
        }
        return result;
    }

    private JobDefinition decodeOrNull(StoredJob stored) {
        try {
            return codec.decode(stored);
        } catch (RuntimeException e) {
            LOG.warn("stored job '{}' cannot be read; declarations treat it as absent: {}", stored.id(), e.getMessage());
            return null;
        }
    }
}
