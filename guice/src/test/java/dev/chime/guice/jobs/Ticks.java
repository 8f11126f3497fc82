package dev.chime.guice.jobs;

import dev.chime.JobContext;
import dev.chime.annotation.ScheduledJob;
import jakarta.inject.Inject;

/** Scheduled methods on an injected class. */
public class Ticks {

    private final Greeter greeter;

    @Inject
    public Ticks(Greeter greeter) {
        this.greeter = greeter;
    }

    @ScheduledJob(id = "tick", interval = "PT10S")
    public void tick(JobContext context) {
        greeter.greet("tick@" + context.scheduledFireTime());
    }

    @ScheduledJob(delay = "PT1M", maxInstances = 2, retries = 3, retryBackoff = "PT5S", timeout = "PT30S")
    public void tock() {
        greeter.greet("tock");
    }
}
