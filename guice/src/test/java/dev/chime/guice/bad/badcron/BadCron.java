package dev.chime.guice.bad.badcron;

import dev.chime.annotation.ScheduledJob;

public class BadCron {

    @ScheduledJob(id = "bad-cron", cron = "61 * * * *")
    public void run() {
    }
}
