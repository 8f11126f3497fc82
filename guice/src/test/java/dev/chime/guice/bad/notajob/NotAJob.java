package dev.chime.guice.bad.notajob;

import dev.chime.annotation.ScheduledJob;

@ScheduledJob(interval = "PT1S")
public class NotAJob {
}
