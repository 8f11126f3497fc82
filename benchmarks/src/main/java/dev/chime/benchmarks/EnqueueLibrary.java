package dev.chime.benchmarks;

import com.zaxxer.hikari.HikariDataSource;

/**
 * One library in the enqueue-to-done harness: its tables, its client-side enqueue (in the harness's JVM),
 * and one of its worker nodes (in a node JVM) whose task body is {@link EnqueueSink#write(int)}.
 */
interface EnqueueLibrary {

    /** The name {@code --libs=} and the node JVMs' arguments use. */
    String id();

    /** Name and version as the table shows them. */
    String label();

    /** How this library enqueued: one at a time or in batches of which size. */
    String enqueueMode();

    /** Drops whatever a previous round left and creates the library's tables fresh (harness JVM). */
    void createTables(HikariDataSource admin) throws Exception;

    /** Enqueues tasks 0 to {@code tasks - 1}, each due now, and returns once all are committed (harness JVM). */
    void enqueue(HikariDataSource pool, int tasks) throws Exception;

    /** Starts node {@code index} with {@code threads} workers on {@code pool}; closing it stops the node (node JVM). */
    AutoCloseable startNode(HikariDataSource pool, int index, int threads) throws Exception;

    /**
     * After a round whose tasks all ran: what the library's own records say is wrong, or null. The
     * default checks nothing (the sink table already proves exactly-once).
     */
    default String checkHistory(HikariDataSource admin, int tasks) throws Exception {
        return null;
    }

    static EnqueueLibrary named(String name) {
        return switch (name) {
            case "chime" -> new EnqueueChime();
            case "jobrunr" -> new EnqueueJobRunr();
            case "db-scheduler" -> new EnqueueDbScheduler();
            default -> throw new IllegalArgumentException("unknown library '" + name + "': expected chime, jobrunr or db-scheduler");
        };
    }
}
