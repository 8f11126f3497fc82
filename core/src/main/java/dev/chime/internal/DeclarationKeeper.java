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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out {@link Scheduler#declare}: the store follows the declared jobs of one group, the
 * newest code's declarations win. Every change goes through the scheduler's own operations (so
 * listeners hear it) or, to record a new origin on an unchanged job, through the store's
 * version-checked {@code update}, which keeps the job's schedule, pause state and last outcome.
 *
 * <p>A job claimed at that moment (a firing being dispatched, a fixed-delay job running) is not
 * written: the write would end the claim and drop the firing. The keeper waits for the claim to
 * end, re-reading the job, at most {@link #CLAIM_WAIT} for the whole pass, measured on the
 * engine's ticker (the scheduler's clock under a {@code TestClock}), and then records the origin.
 * Without that, a start whose kept jobs were all firing would record its version nowhere, and an
 * older node restarting would declare its jobs again.
 */
final class DeclarationKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(DeclarationKeeper.class);
    /** Bounds the re-reads of one job that other writers (claims, other nodes) keep changing. */
    private static final int ATTEMPTS = 50;
    /** How long one pass waits, in all, for claimed jobs to be released before leaving them. */
    static final Duration CLAIM_WAIT = Duration.ofSeconds(10);
    /** The pause between re-reads of a claimed job; also caps the re-reads should the ticker stand still. */
    private static final Duration CLAIM_POLL = Duration.ofMillis(20);
    private static final long MAX_CLAIM_POLLS = CLAIM_WAIT.toMillis() / CLAIM_POLL.toMillis();

    private final Scheduler scheduler;
    private final JobStore store;
    private final JobCodec codec;
    private final Ticker ticker;
    /** When this pass stops waiting for claims (ticker nanos); set at the first claim it meets. */
    private Long claimWaitEnd;
    private long claimPolls;

    DeclarationKeeper(Scheduler scheduler, JobStore store, JobCodec codec, Ticker ticker) {
        this.scheduler = scheduler;
        this.store = store;
        this.codec = codec;
        this.ticker = ticker;
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
            if (!stillDeclaredBy(id, d.group())) {
                // Replaced through the API (or removed) since the listing: no longer this group's.
                continue;
            }
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

    /**
     * Whether the job is, as stored now, still one this group declared. The listing is as old as
     * the whole declaration pass; a job replaced through the API meanwhile is the API's. A change
     * between this read and the removal can still be lost: the store SPI has no removal
     * conditional on a version.
     */
    private boolean stillDeclaredBy(String id, String group) {
        return store.get(id).map(this::decodeOrNull)
                .flatMap(JobDefinition::origin)
                .filter(o -> o.group().equals(group))
                .isPresent();
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
        int attempt = 0;
        while (attempt < ATTEMPTS) {
            Optional<StoredJob> current = store.get(job.id());
            if (current.isEmpty()) {
                try {
                    scheduler.add(job);
                    LOG.info("declared job '{}' ({}, {}) added", job.id(), job.task(), declaredSpec);
                    return Outcome.ADDED;
                } catch (DuplicateJobException e) {
                    attempt++;
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
                // Writing now would end the claim of a firing in progress and drop it: wait for the
                // claim to end, then write, so the newest version is recorded even if every job it
                // keeps is firing at this moment. Re-reads of a claim are not contention attempts.
                if (awaitClaimEnd()) {
                    continue;
                }
                LOG.warn("declared job '{}' stayed claimed for {}; its origin keeps version {} until a later start"
                        + " (a job running longer keeps its claim)", job.id(), CLAIM_WAIT, before.origin().map(JobOrigin::version).orElse("none"));
                return Outcome.KEPT;
            }
            String options = JobCodec.withOrigin(OptionsJson.write(before.options()), origin);
            StoredJob stamped = new StoredJob(stored.id(), stored.task(), stored.triggerSpec(), options, stored.dataJson(),
                    stored.paused(), stored.nextFireTime(), null, stored.lastRun(), stored.version());
            if (store.update(stamped)) {
                return Outcome.KEPT;
            }
            attempt++;
        }
        throw new IllegalStateException("declared job '" + job.id() + "' kept changing under " + ATTEMPTS
                + " attempts to declare it; another writer is changing it continuously");
    }

    /**
     * Pauses before the next re-read of a claimed job; false when this pass has waited for claims
     * for {@link #CLAIM_WAIT} on the ticker (or, should the ticker stand still, as many re-reads as
     * that takes in real time).
     */
    private boolean awaitClaimEnd() {
        long now = ticker.nanos();
        if (claimWaitEnd == null) {
            claimWaitEnd = now + CLAIM_WAIT.toNanos();
        }
        if (now - claimWaitEnd >= 0 || claimPolls >= MAX_CLAIM_POLLS) {
            return false;
        }
        claimPolls++;
        LockSupport.parkNanos(CLAIM_POLL.toNanos());
        return true;
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
