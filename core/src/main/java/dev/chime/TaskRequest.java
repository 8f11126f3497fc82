package dev.chime;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A task to run once, on any node, for {@link Scheduler#enqueue(TaskRequest)}: Celery's
 * {@code apply_async}, JobRunr's {@code enqueue}/{@code schedule}. Immutable; build with
 * {@link #builder(String)}.
 *
 * <pre>{@code
 * String id = scheduler.enqueue(TaskRequest.builder("send-mail")
 *         .data(Map.of("to", "ops@example.com"))
 *         .delay(Duration.ofMinutes(5))
 *         .retry(RetryPolicy.exponential(3, Duration.ofSeconds(10)))
 *         .timeout(Duration.ofMinutes(1))
 *         .build());
 * }</pre>
 *
 * <p>An enqueued task is never reported missed: when its time comes and no worker is free, it waits
 * for one. It has no job, so no {@code maxInstances}: every enqueued task may run beside the others.
 *
 * @param task        the task name, as registered with {@code SchedulerBuilder.task}
 * @param dataJson    the task's data as JSON text ({@code JobContext.data()}), or null for none
 * @param runAt       when it may run; null for as soon as possible
 * @param delay       how long after the enqueue it may run; null when {@code runAt} says, or at once
 * @param retry       how failed attempts are retried (durably: a waiting retry survives a crash)
 * @param timeout     how long an attempt may run before it is interrupted; null for no limit
 * @param recoverable whether it runs again on another node when its node dies while it runs
 *                    (default true: a task someone asked for once runs to its end)
 */
public record TaskRequest(String task, String dataJson, Instant runAt, Duration delay, RetryPolicy retry, Duration timeout,
                          boolean recoverable) {

    public TaskRequest {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("task request: task name must not be blank");
        }
        Objects.requireNonNull(retry, "retry");
        if (runAt != null && delay != null) {
            throw new IllegalArgumentException("task request for '" + task + "': give runAt or delay, not both");
        }
        if (delay != null && (delay.isNegative() || delay.compareTo(JobOptions.MAX_DURATION) > 0)) {
            throw new IllegalArgumentException("task request for '" + task + "': delay " + delay + " is outside 0 to "
                    + JobOptions.MAX_DURATION + " (100 years)");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(JobOptions.MAX_DURATION) > 0)) {
            throw new IllegalArgumentException("task request for '" + task + "': timeout " + timeout
                    + " must be positive and at most " + JobOptions.MAX_DURATION + " (100 years)");
        }
    }

    public static Builder builder(String task) {
        return new Builder(task);
    }

    public Optional<String> data() {
        return Optional.ofNullable(dataJson);
    }

    /** The task's options as a job's: its retry, timeout and recoverability; the rest at their defaults. */
    public JobOptions options() {
        return JobOptions.builder().retry(retry).timeout(timeout).recoverable(recoverable).build();
    }

    /** Not thread-safe; {@link #build()} validates. */
    public static final class Builder {
        private final String task;
        private String dataJson;
        private Instant runAt;
        private Duration delay;
        private RetryPolicy retry = RetryPolicy.none();
        private Duration timeout;
        private boolean recoverable = true;

        private Builder(String task) {
            this.task = task;
        }

        /** The data, turned into JSON with Jackson (a {@code Map}, a record, a {@code JsonNode}); null for none. */
        public Builder data(Object data) {
            this.dataJson = data == null ? null : dev.chime.internal.Json.write(data, "data of task '" + task + "'");
            return this;
        }

        /** The data as JSON text, taken as it is (checked to be JSON). */
        public Builder dataJson(String json) {
            this.dataJson = json == null ? null : dev.chime.internal.Json.parse(json, "data of task '" + task + "'").toString();
            return this;
        }

        public Builder runAt(Instant runAt) {
            this.runAt = Objects.requireNonNull(runAt, "runAt");
            return this;
        }

        public Builder delay(Duration delay) {
            this.delay = Objects.requireNonNull(delay, "delay");
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

        public TaskRequest build() {
            return new TaskRequest(task, dataJson, runAt, delay, retry, timeout, recoverable);
        }
    }
}
