package dev.chime.demo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chime.JobContext;
import dev.chime.Scheduler;
import dev.chime.demo.EventLog;
import dev.chime.annotation.ScheduledJob;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A cron job: at the top of every minute, a summary of the jobs and of what happened lately. */
public class Reports {

    private static final Logger LOG = LoggerFactory.getLogger(Reports.class);

    private final Provider<Scheduler> scheduler;
    private final EventLog events;

    @Inject
    public Reports(Provider<Scheduler> scheduler, EventLog events) {
        this.scheduler = scheduler;
        this.events = events;
    }

    @ScheduledJob(id = "minute-report", cron = "0 * * * * *", misfireGraceTime = "PT30S")
    public void everyMinute(JobContext context) {
        Map<String, Integer> byType = new TreeMap<>();
        for (JsonNode event : events.recent(500, null, null)) {
            byType.merge(event.path("type").asText(), 1, Integer::sum);
        }
        var stats = scheduler.get().stats();
        LOG.info("report for {}: {} jobs ({} paused, {} running); recent events: {}", context.scheduledFireTime(),
                stats.jobs(), stats.pausedJobs(), stats.runningJobs(), byType);
    }
}
