package dev.chime;

import dev.chime.internal.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A background task to run once, for {@link Scheduler#enqueue(TaskRequest)}: which task, with what
 * data, when (now by default, or at an instant, or after a delay), with which options (retries,
 * timeout, recoverable, as for a job), and optionally under an id of the caller's choosing, so
 * that enqueueing the same piece of work twice is refused rather than run twice. Immutable; build
 * with {@link #builder(String)}.
 */
public final class TaskRequest {

    private final String task;
    private final String dataJson;
    private final Instant startAt;
    private final Duration delay;
    private final JobOptions options;
    private final String id;

    private TaskRequest(Builder b) {
        this.task = b.task;
        this.dataJson = b.dataJson;
        this.startAt = b.startAt;
        this.delay = b.delay;
        this.options = b.options;
        this.id = b.id;
    }

    /** A request for {@code task}; at least the task is required. */
    public static Builder builder(String task) {
        return new Builder(task);
    }

    public String task() {
        return task;
    }

    /** The data as compact JSON text, or null when the task has none. */
    public String dataJson() {
        return dataJson;
    }

    /** The instant the task falls due, when given; else see {@link #delay()}; neither: now. */
    public Optional<Instant> startAt() {
        return Optional.ofNullable(startAt);
    }

    /** How long after enqueueing the task falls due, when given. */
    public Optional<Duration> delay() {
        return Optional.ofNullable(delay);
    }

    public JobOptions options() {
        return options;
    }

    /** The execution id the caller chose; empty: the scheduler makes one (a random UUID). */
    public Optional<String> id() {
        return Optional.ofNullable(id);
    }

    /** When the task falls due, enqueued at {@code now}. */
    public Instant dueAt(Instant now) {
        if (startAt != null) {
            return startAt;
        }
        return delay == null ? now : now.plus(delay);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskRequest other && task.equals(other.task) && Objects.equals(dataJson, other.dataJson)
                && Objects.equals(startAt, other.startAt) && Objects.equals(delay, other.delay)
                && options.equals(other.options) && Objects.equals(id, other.id);
    }

    @Override
    public int hashCode() {
        return Objects.hash(task, dataJson, startAt, delay, options, id);
    }

    @Override
    public String toString() {
        return "TaskRequest{task=" + task + (id == null ? "" : ", id=" + id) + ", data=" + dataJson
                + (startAt == null ? "" : ", startAt=" + startAt) + (delay == null ? "" : ", delay=" + delay)
                + ", options=" + options + '}';
    }

    /** Not thread-safe; {@link #build()} validates and returns an immutable request. */
    public static final class Builder {
        private final String task;
        private String dataJson;
        private Instant startAt;
        private Duration delay;
        private JobOptions options = JobOptions.defaults();
        private String id;

        private Builder(String task) {
            this.task = task;
        }

        /** Data converted to JSON with Jackson: a map, a record, a POJO or a {@code JsonNode}; null for none. */
        public Builder data(Object data) {
            this.dataJson = data == null ? null : Json.write(data, "data of task '" + task + "'");
            return this;
        }

        /** Data given as JSON text; it is validated and normalised. */
        public Builder dataJson(String json) {
            this.dataJson = json == null ? null : Json.normalise(json, "data of task '" + task + "'");
            return this;
        }

        /** Runs the task at {@code at} (or as soon as there is a free worker after it); replaces a {@link #delay}. */
        public Builder startAt(Instant at) {
            this.startAt = Objects.requireNonNull(at, "startAt");
            this.delay = null;
            return this;
        }

        /** Runs the task {@code delay} after it is enqueued; replaces a {@link #startAt}. */
        public Builder delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("task '" + task + "': delay " + delay + " must not be negative");
            }
            if (delay.compareTo(JobOptions.MAX_DURATION) > 0) {
                throw new IllegalArgumentException("task '" + task + "': delay " + delay + " is longer than "
                        + JobOptions.MAX_DURATION);
            }
            this.delay = delay;
            this.startAt = null;
            return this;
        }

        /**
         * Options as for a job: retries, timeout, recoverable. A misfire grace left unset means
         * none, so the task waits for a free worker rather than being reported missed; max
         * instances applies to the task's own job only (each task is a job of its own).
         */
        public Builder options(JobOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * The execution id, for an idempotent enqueue: a second enqueue under an id still taken
         * (by a task not yet ended, or by a job) is refused with {@link DuplicateJobException}.
         * At most 200 characters, not blank, no control characters.
         */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public TaskRequest build() {
            if (task == null || task.isBlank()) {
                throw new IllegalArgumentException("task request: task must not be blank");
            }
            if (id != null) {
                requireValidId(id);
            }
            return new TaskRequest(this);
        }

        private static void requireValidId(String id) {
            if (id.isBlank()) {
                throw new IllegalArgumentException("task request: id must not be blank");
            }
            if (id.length() > 200) {
                throw new IllegalArgumentException("task request: id '" + id.substring(0, 20)
                        + "...' is longer than 200 characters");
            }
            for (int i = 0; i < id.length(); i++) {
                char c = id.charAt(i);
                if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                    throw new IllegalArgumentException("task request: id has a control character U+"
                            + String.format(Locale.ROOT, "%04X", (int) c) + " at index " + i);
                }
            }
        }
    }
}
