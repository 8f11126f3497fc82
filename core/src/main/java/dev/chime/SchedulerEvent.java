package dev.chime;

import java.time.Instant;

/** Something that happened to the scheduler as a whole. */
public sealed interface SchedulerEvent extends ChimeEvent {

    record Started(Instant time) implements SchedulerEvent {
    }

    record Paused(Instant time) implements SchedulerEvent {
    }

    record Resumed(Instant time) implements SchedulerEvent {
    }

    record Shutdown(Instant time) implements SchedulerEvent {
    }
}
