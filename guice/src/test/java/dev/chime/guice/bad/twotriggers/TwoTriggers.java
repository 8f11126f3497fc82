package dev.chime.guice.bad.twotriggers;

import dev.chime.annotation.ScheduledJob;

public class TwoTriggers {

    @ScheduledJob(interval = "PT1S", cron = "* * * * *")
    public void run() {
    }
}
