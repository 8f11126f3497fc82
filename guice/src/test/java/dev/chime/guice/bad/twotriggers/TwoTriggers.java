package dev.chime.guice.bad.twotriggers;

import dev.chime.guice.ScheduledJob;

public class TwoTriggers {

    @ScheduledJob(interval = "PT1S", cron = "* * * * *")
    public void run() {
    }
}
