package dev.chime.internal;

import dev.chime.spi.JobFactory;
import dev.chime.spi.JobStore;
import java.time.Clock;
import java.util.concurrent.Executor;

/**
 * What the engine's parts share. Built once per scheduler.
 *
 * @param wake tells the dispatch loop that the next wake-up time may have moved earlier
 */
record EngineContext(Clock clock, JobStore store, JobCodec codec, ListenerBus bus, RunTracker tracker,
                     JobFactory jobFactory, Executor executor, Runnable wake) {
}
