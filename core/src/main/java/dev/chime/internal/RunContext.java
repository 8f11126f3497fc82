package dev.chime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chime.CancellationSignal;
import dev.chime.Execution;
import dev.chime.JobContext;
import java.time.Instant;

/** The {@link JobContext} of one attempt. */
final class RunContext implements JobContext {

    private final Attempt attempt;
    private JsonNode data;

    RunContext(Attempt attempt) {
        this.attempt = attempt;
    }

    private Run run() {
        return attempt.run();
    }

    @Override
    public String jobId() {
        return run().work().eventJobId();
    }

    @Override
    public String executionId() {
        return run().executionId();
    }

    @Override
    public void result(Object value) {
        if (value == null) {
            attempt.resultJson(null);
            return;
        }
        String json = Json.write(value, "result of execution '" + executionId() + "'");
        if (json.length() > Execution.MAX_RESULT_CHARS) {
            throw new IllegalArgumentException("result of execution '" + executionId() + "' (" + run().work().describe() + "): "
                    + json.length() + " characters of JSON is more than the " + Execution.MAX_RESULT_CHARS
                    + " a result may have; keep large output elsewhere and return a reference to it");
        }
        attempt.resultJson(json);
    }

    @Override
    public String task() {
        return run().work().task();
    }

    @Override
    public Instant scheduledFireTime() {
        return run().fireTime();
    }

    @Override
    public Instant actualStart() {
        return attempt.startedAt();
    }

    @Override
    public int attempt() {
        return attempt.number();
    }

    @Override
    public JsonNode data() {
        if (data == null) {
            data = run().work().data();
        }
        return data;
    }

    @Override
    public <T> T data(Class<T> type) {
        return Json.convert(data(), type, "data of " + run().work().describe());
    }

    @Override
    public CancellationSignal cancellation() {
        return attempt.signal();
    }

    @Override
    public boolean isRecovery() {
        return run().recovery();
    }

    @Override
    public long fencingToken() {
        return run().ticket().fencingToken();
    }
}
