package dev.chime.spi;

/**
 * What became of a {@link RunEnd}.
 *
 * @param recorded true when the end was recorded as this node's (also for an end written again
 *                 whose first write went through); false when another node took the run over
 *                 meanwhile and nothing was written
 * @param next     the ticket of the queued fire time the run moved on to ({@link RunEnd#next()});
 *                 null when none was asked for or nothing was recorded
 */
public record RunEndResult(boolean recorded, RunTicket next) {

    public static final RunEndResult RECORDED = new RunEndResult(true, null);
    public static final RunEndResult TAKEN_OVER = new RunEndResult(false, null);

    public RunEndResult {
        if (next != null && !recorded) {
            throw new IllegalArgumentException("a run taken over moves on nowhere");
        }
    }
}
