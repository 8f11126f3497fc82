package dev.chime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chime.internal.Json;
import java.util.Objects;
import java.util.Optional;

/**
 * What a job is: its id, the task that does the work, when it fires, how its firings are treated,
 * and the data handed to it. Immutable; build with {@link #builder(String)}.
 *
 * <p>Data is held as JSON, never as Java-serialized objects, so a persistent store can rebuild the
 * job after a restart and a human can read it.
 */
public final class JobDefinition {

    private final String id;
    private final String task;
    private final Trigger trigger;
    private final JobOptions options;
    private final String dataJson;
    private final JobOrigin origin;
    private final boolean enqueued;

    private JobDefinition(String id, String task, Trigger trigger, JobOptions options, String dataJson, JobOrigin origin,
                          boolean enqueued) {
        this.id = id;
        this.task = task;
        this.trigger = trigger;
        this.options = options;
        this.dataJson = dataJson;
        this.origin = origin;
        this.enqueued = enqueued;
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** A job with default options and no data. */
    public static JobDefinition of(String id, String task, Trigger trigger) {
        return builder(id).task(task).trigger(trigger).build();
    }

    public String id() {
        return id;
    }

    public String task() {
        return task;
    }

    public Trigger trigger() {
        return trigger;
    }

    public JobOptions options() {
        return options;
    }

    /** The data as compact JSON text ({@code null} when the job has none). */
    public String dataJson() {
        return dataJson;
    }

    /** The data as a JSON tree ({@code NullNode} when the job has none). */
    public JsonNode data() {
        return Json.tree(dataJson);
    }

    /** Where a declared job comes from; empty for a job added through the API. */
    public Optional<JobOrigin> origin() {
        return Optional.ofNullable(origin);
    }

    /**
     * True for the one-shot job that holds a background task given to {@link Scheduler#enqueue}
     * (its id is the execution id), false for a job.
     */
    public boolean enqueued() {
        return enqueued;
    }

    public Builder toBuilder() {
        return new Builder(id).task(task).trigger(trigger).options(options).dataJson(dataJson).origin(origin).enqueued(enqueued);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobDefinition other
                && id.equals(other.id)
                && task.equals(other.task)
                && trigger.spec().equals(other.trigger.spec())
                && options.equals(other.options)
                && Objects.equals(dataJson, other.dataJson)
                && Objects.equals(origin, other.origin)
                && enqueued == other.enqueued;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, task, trigger.spec(), options, dataJson, origin, enqueued);
    }

    @Override
    public String toString() {
        return "JobDefinition{id=" + id + ", task=" + task + ", trigger=" + trigger.spec()
                + ", options=" + options + ", data=" + dataJson + (origin == null ? "" : ", origin=" + origin) + (enqueued ? ", enqueued" : "") + '}';
    }

    /** Not thread-safe; {@link #build()} validates and returns an immutable value. */
    public static final class Builder {
        private final String id;
        private String task;
        private Trigger trigger;
        private JobOptions options = JobOptions.defaults();
        private String dataJson;
        private JobOrigin origin;
        private boolean enqueued;

        private Builder(String id) {
            this.id = id;
        }

        public Builder task(String task) {
            this.task = task;
            return this;
        }

        public Builder trigger(Trigger trigger) {
            this.trigger = trigger;
            return this;
        }

        public Builder options(JobOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Data converted to JSON with Jackson: a map, a record, a POJO or a {@code JsonNode}. */
        public Builder data(Object data) {
            this.dataJson = data == null ? null : Json.write(data, "data of job '" + id + "'");
            return this;
        }

        /** Data given as JSON text; it is validated and normalised. */
        public Builder dataJson(String json) {
            this.dataJson = json == null ? null : Json.normalise(json, "data of job '" + id + "'");
            return this;
        }

        /** Marks a declared job; set by {@link Scheduler#declare}, not needed by jobs added through the API. */
        public Builder origin(JobOrigin origin) {
            this.origin = origin;
            return this;
        }

        /** Marks the job of an enqueued task; set by {@link Scheduler#enqueue}, not needed by jobs. */
        public Builder enqueued(boolean enqueued) {
            this.enqueued = enqueued;
            return this;
        }

        public JobDefinition build() {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("job id: must not be blank");
            }
            if (id.length() > 200) {
                throw new IllegalArgumentException("job id: '" + id.substring(0, 20) + "...' is longer than 200 characters");
            }
            if (task == null || task.isBlank()) {
                throw new IllegalArgumentException("job '" + id + "': task must not be blank");
            }
            if (trigger == null) {
                throw new IllegalArgumentException("job '" + id + "': trigger is missing");
            }
            if (enqueued && origin != null) {
                throw new IllegalArgumentException("job '" + id + "': an enqueued task cannot be a declared job");
            }
            return new JobDefinition(id, task, trigger, options, dataJson, origin, enqueued);
        }
    }
}
