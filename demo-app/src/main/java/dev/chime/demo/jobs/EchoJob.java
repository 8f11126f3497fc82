package dev.chime.demo.jobs;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.annotation.ChimeTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A task for jobs added over HTTP or in a schedule file: logs the job's data. */
@ChimeTask("echo")
public class EchoJob implements Job {

    private static final Logger LOG = LoggerFactory.getLogger(EchoJob.class);

    @Override
    public void execute(JobContext context) {
        LOG.info("echo from job '{}' for {}: {}", context.jobId(), context.scheduledFireTime(), context.data());
    }
}
