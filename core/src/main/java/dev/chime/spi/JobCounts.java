package dev.chime.spi;

/**
 * How many jobs a store holds.
 *
 * @param total  every job
 * @param paused the paused ones
 */
public record JobCounts(long total, long paused) {
}
