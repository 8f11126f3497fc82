package dev.chime.demo.jobs;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.annotation.ScheduledJob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every 10 seconds: proves the scheduler is alive, in the log and in a counter of its own. */
@ScheduledJob(id = "heartbeat", interval = "PT10S")
public class Heartbeat implements Job {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

    private final Counter beats;

    @Inject
    public Heartbeat(MeterRegistry registry) {
        this.beats = Counter.builder("demo.heartbeats").description("Heartbeats of the demo app").register(registry);
    }

    @Override
    public void execute(JobContext context) {
        beats.increment();
        LOG.info("heartbeat for {} (attempt {})", context.scheduledFireTime(), context.attempt());
    }
}
