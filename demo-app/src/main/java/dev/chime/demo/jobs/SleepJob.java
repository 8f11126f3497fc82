package dev.chime.demo.jobs;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.annotation.ChimeTask;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task that works for a while: {@code {"millis": 5000}} in its data (default one second). It
 * stops early when cancelled, as a well-behaved long job should.
 */
@ChimeTask("sleep")
public class SleepJob implements Job {

    private static final Logger LOG = LoggerFactory.getLogger(SleepJob.class);

    @Override
    public void execute(JobContext context) throws InterruptedException {
        Duration length = Duration.ofMillis(context.data().path("millis").asLong(1000));
        LOG.info("job '{}' working for {}", context.jobId(), length);
        long deadline = System.nanoTime() + length.toNanos();
        while (System.nanoTime() < deadline && !context.isCancelled()) {
            Thread.sleep(Math.min(50, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
        LOG.info("job '{}' {} after {}", context.jobId(), context.isCancelled() ? "cancelled" : "finished its work", length);
    }
}
