package dev.chime.guice.jobs;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.annotation.ChimeTask;
import jakarta.inject.Inject;

/** A named task for schedule files: greets whoever its data names. */
@ChimeTask("greet")
public class GreetJob implements Job {

    private final Greeter greeter;

    @Inject
    public GreetJob(Greeter greeter) {
        this.greeter = greeter;
    }

    @Override
    public void execute(JobContext context) {
        greeter.greet(context.data().path("who").asText("nobody"));
    }
}
