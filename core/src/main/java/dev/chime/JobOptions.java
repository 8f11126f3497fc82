package dev.chime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chime.internal.JobCodec;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the engine treats a job's firings, with APScheduler's meanings. Immutable; build with
 * {@link #builder()}. Defaults match APScheduler's: one second of misfire grace, coalescing on,
 * one instance at a time; no retries, no timeout.
 */
public final class JobOptions {

    /**
     * The longest duration any option (misfire grace, timeout, retry backoff) may have: 100 years
     * (36,525 days). Longer values are rejected when options are built, so that no deadline or wait
     * computed from them can overflow at run time.
     */
    public static final Duration MAX_DURATION = Duration.ofDays(36_525);

    private static final JobOptions DEFAULTS = builder().build();

    private final Duration misfireGraceTime;
    /** False while the grace is the default, whose meaning depends on the trigger (one-shots: no limit). */
    private final boolean misfireGraceTimeSet;
    private final boolean coalesce;
    private final int maxInstances;
    private final RetryPolicy retry;
    private final Duration timeout;
    private final boolean recoverable;

    private JobOptions(Builder b) {
        this.misfireGraceTime = b.misfireGraceTime;
        this.misfireGraceTimeSet = b.misfireGraceTimeSet;
        this.coalesce = b.coalesce;
        this.maxInstances = b.maxInstances;
        this.retry = b.retry;
        this.timeout = b.timeout;
        this.recoverable = b.recoverable;
    }

    public static JobOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * How late a firing may start and still run. A firing found later than this is reported
     * {@linkplain JobEvent.Missed missed} instead; at most {@link #MAX_DURATION}. Empty means no limit. Lateness while this node
     * had no free worker (at its in-flight limit) does not count. When not
     * {@linkplain #misfireGraceTimeSet() set}, one second (APScheduler's default) for recurring
     * triggers, and no limit for a one-shot trigger ({@code once}): work someone asked for once
     * runs late rather than being dropped (Quartz's "fire now" default for one-shots).
     */
    public Optional<Duration> misfireGraceTime() {
        return Optional.ofNullable(misfireGraceTime);
    }

    /** True when {@link Builder#misfireGraceTime} was called; false for the default. */
    public boolean misfireGraceTimeSet() {
        return misfireGraceTimeSet;
    }

    /** When several fire times were missed (downtime, a pause), run once instead of once per fire time. */
    public boolean coalesce() {
        return coalesce;
    }

    /**
     * How many runs of this job may be in progress at once; a firing beyond that is skipped. A run
     * waiting for its retry's backoff counts (on a store shared by a cluster, on every node, until
     * the retry ends it), as does a retry left in the store by a node that stopped or died.
     */
    public int maxInstances() {
        return maxInstances;
    }

    public RetryPolicy retry() {
        return retry;
    }

    /**
     * How long one attempt may run before it is interrupted and reported failed; at most
     * {@link #MAX_DURATION}. Measured on a monotonic clock, so a step of the wall clock does not
     * time a job out. A job that ignores the interrupt keeps its instance slot until it returns
     * (its retry waits for that too), and is reported {@link JobEvent.Overrunning} at twice its
     * timeout.
     */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /**
     * With a clustered store: whether a firing that was in flight on a node that died runs again on
     * another node ({@code true}) or is reported missed ({@code false}, the default).
     */
    public boolean recoverable() {
        return recoverable;
    }

    /**
     * Reads options from their JSON form, the one stores keep and schedule files use, e.g.
     * {@code {"maxInstances": 2, "misfireGraceTime": "PT30S", "retry": {"maxRetries": 3}}}. A
     * field left out keeps its default; {@code "misfireGraceTime": null} means no limit.
     *
     * @param where names the options in error messages, e.g. {@code "schedule.json: job 'report': options"}
     * @throws IllegalArgumentException naming {@code where} and the bad field; an unknown field is
     *         an error too, so that a misspelt option is not silently left at its default
     */
    public static JobOptions fromJson(JsonNode json, String where) {
        rejectUnknown(json, where, JSON_FIELDS);
        if (json.hasNonNull("retry")) {
            rejectUnknown(json.get("retry"), where + ".retry", RETRY_JSON_FIELDS);
        }
        return JobCodec.readOptions(json, where);
    }

    private static final Set<String> JSON_FIELDS =
            Set.of("misfireGraceTime", "coalesce", "maxInstances", "timeout", "recoverable", "retry");
    private static final Set<String> RETRY_JSON_FIELDS = Set.of("maxRetries", "initialBackoff", "multiplier", "maxBackoff");

    private static void rejectUnknown(JsonNode json, String where, Set<String> known) {
        json.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                throw new IllegalArgumentException(where + ": unknown field '" + field + "' (known: "
                        + String.join(", ", new TreeSet<>(known)) + ")");
            }
        });
    }

    /**
     * These options in the JSON form that {@link #fromJson} reads, every field written out except a
     * misfire grace time left at its trigger-dependent default.
     */
    public String toJson() {
        return JobCodec.writeOptions(this);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.misfireGraceTime = misfireGraceTime;
        b.misfireGraceTimeSet = misfireGraceTimeSet;
        b.coalesce = coalesce;
        b.maxInstances = maxInstances;
        b.retry = retry;
        b.timeout = timeout;
        b.recoverable = recoverable;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobOptions other
                && Objects.equals(misfireGraceTime, other.misfireGraceTime)
                && misfireGraceTimeSet == other.misfireGraceTimeSet
                && coalesce == other.coalesce
                && maxInstances == other.maxInstances
                && retry.equals(other.retry)
                && Objects.equals(timeout, other.timeout)
                && recoverable == other.recoverable;
    }

    @Override
    public int hashCode() {
        return Objects.hash(misfireGraceTime, misfireGraceTimeSet, coalesce, maxInstances, retry, timeout, recoverable);
    }

    @Override
    public String toString() {
        return "JobOptions{misfireGraceTime=" + (misfireGraceTimeSet ? misfireGraceTime : "default") + ", coalesce=" + coalesce
                + ", maxInstances=" + maxInstances + ", retry=" + retry + ", timeout=" + timeout
                + ", recoverable=" + recoverable + '}';
    }

    /** Not thread-safe; {@link #build()} validates and returns an immutable value. */
    public static final class Builder {
        private Duration misfireGraceTime = Duration.ofSeconds(1);
        private boolean misfireGraceTimeSet;
        private boolean coalesce = true;
        private int maxInstances = 1;
        private RetryPolicy retry = RetryPolicy.none();
        private Duration timeout;
        private boolean recoverable;

        private Builder() {
        }

        /** {@code null} means a firing may start however late it is. */
        public Builder misfireGraceTime(Duration grace) {
            this.misfireGraceTime = grace;
            this.misfireGraceTimeSet = true;
            return this;
        }

        public Builder unlimitedMisfireGrace() {
            return misfireGraceTime(null);
        }

        public Builder coalesce(boolean coalesce) {
            this.coalesce = coalesce;
            return this;
        }

        public Builder maxInstances(int maxInstances) {
            this.maxInstances = maxInstances;
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /** {@code null} means no timeout. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder recoverable(boolean recoverable) {
            this.recoverable = recoverable;
            return this;
        }

        public JobOptions build() {
            if (misfireGraceTime != null && (misfireGraceTime.isNegative() || misfireGraceTime.compareTo(MAX_DURATION) > 0)) {
                throw new IllegalArgumentException("misfireGraceTime: " + misfireGraceTime + " is outside 0 to " + MAX_DURATION
                        + " (100 years); leave it out (null) for no limit");
            }
            if (maxInstances < 1) {
                throw new IllegalArgumentException("maxInstances: " + maxInstances + " must be at least 1");
            }
            if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_DURATION) > 0)) {
                throw new IllegalArgumentException("timeout: " + timeout + " must be positive and at most " + MAX_DURATION
                        + " (100 years); leave it out (null) for no timeout");
            }
            return new JobOptions(this);
        }
    }
}
