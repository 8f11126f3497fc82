package dev.chime;

import java.time.Instant;

/** Something that happened in a scheduler: a {@link JobEvent} or a {@link SchedulerEvent}. */
public sealed interface ChimeEvent permits JobEvent, SchedulerEvent {

    /** When it happened, by the scheduler's clock. */
    Instant time();
}
