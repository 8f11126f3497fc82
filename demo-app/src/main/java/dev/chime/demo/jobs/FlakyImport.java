package dev.chime.demo.jobs;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.annotation.ScheduledJob;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fails now and then, as imports from a remote system do: about two attempts in five throw, and
 * up to two retries follow. Its failures and retries show in the events, metrics and dashboard.
 */
@ScheduledJob(id = "flaky-import", interval = "PT15S", retries = 2, retryBackoff = "PT2S", timeout = "PT10S")
public class FlakyImport implements Job {

    private static final Logger LOG = LoggerFactory.getLogger(FlakyImport.class);

    @Override
    public void execute(JobContext context) {
        if (ThreadLocalRandom.current().nextInt(5) < 2) {
            throw new IllegalStateException("upstream did not answer (simulated failure, attempt " + context.attempt() + ")");
        }
        LOG.info("imported the batch of {} on attempt {}", context.scheduledFireTime(), context.attempt());
    }
}
