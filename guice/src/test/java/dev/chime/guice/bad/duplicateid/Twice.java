package dev.chime.guice.bad.duplicateid;

import dev.chime.annotation.ScheduledJob;

public class Twice {

    @ScheduledJob(id = "same", interval = "PT1S")
    public void one() {
    }

    @ScheduledJob(id = "same", interval = "PT2S")
    public void two() {
    }
}
