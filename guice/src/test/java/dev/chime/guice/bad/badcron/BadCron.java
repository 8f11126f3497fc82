package dev.chime.guice.bad.badcron;

import dev.chime.guice.ScheduledJob;

public class BadCron {

    @ScheduledJob(id = "bad-cron", cron = "61 * * * *")
    public void run() {
    }
}
