package dev.chime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chime.CancellationSignal;
import dev.chime.JobContext;
import dev.chime.spi.RunTicket;
import java.time.Instant;

/** The {@link JobContext} of one attempt. */
final class RunContext implements JobContext {

    private final Attempt attempt;
    private JsonNode data;

    RunContext(Attempt attempt) {
        this.attempt = attempt;
    }

    @Override
    public String jobId() {
        return attempt.firing().definition().id();
    }

    @Override
    public String task() {
        return attempt.firing().definition().task();
    }

    @Override
    public Instant scheduledFireTime() {
        return attempt.firing().fireTime();
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
            data = attempt.firing().definition().data();
        }
        return data;
    }

    @Override
    public <T> T data(Class<T> type) {
        return Json.convert(data(), type, "data of job '" + jobId() + "'");
    }

    @Override
    public CancellationSignal cancellation() {
        return attempt.signal();
    }

    @Override
    public boolean isRecovery() {
        return attempt.firing().recovery();
    }

    @Override
    public long fencingToken() {
        RunTicket ticket = attempt.firing().ticket();
        return ticket == null ? 0 : ticket.fencingToken();
    }
}
