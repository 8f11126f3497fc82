package dev.chime.guice.jobs;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.annotation.ScheduledJob;
import jakarta.inject.Inject;

/** A scheduled job class on a cron schedule in a zone. */
@ScheduledJob(cron = "0 0 9 * * *", zone = "Europe/Berlin")
public class MorningJob implements Job {

    private final Greeter greeter;

    @Inject
    public MorningJob(Greeter greeter) {
        this.greeter = greeter;
    }

    @Override
    public void execute(JobContext context) {
        greeter.greet("morning");
    }
}
