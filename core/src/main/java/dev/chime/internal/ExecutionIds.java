package dev.chime.internal;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ids for the executions the engine starts itself (fire times), one per fire: UUID-shaped (version
 * 4, variant 2), made of 60 random bits drawn once per process and a counter. {@link UUID#randomUUID}
 * asks a shared {@code SecureRandom} every time, which was a tenth of the dispatcher thread's work
 * at full speed. Unique within the process by the counter, and between processes (other nodes, or
 * this node after a restart) as far as 60 random bits go. Unlike the ids of enqueued tasks, which
 * callers receive, these need not be unguessable.
 */
final class ExecutionIds {

    private static final long HIGH = (new SecureRandom().nextLong() & ~0xF000L) | 0x4000L;
    private static final AtomicLong COUNTER = new AtomicLong(new SecureRandom().nextLong());

    private ExecutionIds() {
    }

    static String next() {
        long low = (COUNTER.getAndIncrement() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(HIGH, low).toString();
    }
}
