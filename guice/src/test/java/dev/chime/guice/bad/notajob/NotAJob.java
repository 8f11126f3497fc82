package dev.chime.guice.bad.notajob;

import dev.chime.guice.ScheduledJob;

@ScheduledJob(interval = "PT1S")
public class NotAJob {
}
