package dev.chime.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Where the enqueued tasks' bodies write: one row per task in {@code enq_sink}, whose primary key is the
 * task's number, stamped with the database's clock. A second run of a task finds its key taken and writes
 * a row into {@code enq_sink_repeats} instead, so exactly-once is checked from rows alone: N rows in the
 * sink and none in the repeats. The sink is the same for every library, so is the body's cost.
 */
final class EnqueueSink {

    private static volatile EnqueueSink ofThisNode;

    private final DataSource pool;
    private final int node;

    private EnqueueSink(DataSource pool, int node) {
        this.pool = pool;
        this.node = node;
    }

    /** What a round left in the sink. Times are microseconds on the database's clock. */
    record Tally(long rows, long repeats, long lastDoneMicros, List<Long> rowsPerNode) {
    }

    /** Drops and creates both tables (coordinator). */
    static void create(DataSource admin) throws SQLException {
        try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS enq_sink");
            st.execute("DROP TABLE IF EXISTS enq_sink_repeats");
            st.execute("CREATE TABLE enq_sink (task INT PRIMARY KEY, node INT NOT NULL, "
                    + "done_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp())");
            st.execute("CREATE TABLE enq_sink_repeats (task INT NOT NULL, node INT NOT NULL)");
        }
    }

    /** Makes this node JVM's bodies write through {@code pool}, marked with {@code node}. */
    static void open(DataSource pool, int node) {
        ofThisNode = new EnqueueSink(pool, node);
    }

    /** The task body every library runs: record that task {@code task} ran on this node. */
    static void write(int task) throws SQLException {
        EnqueueSink sink = ofThisNode;
        try (Connection c = sink.pool.getConnection();
             PreparedStatement first = c.prepareStatement("INSERT INTO enq_sink (task, node) VALUES (?, ?) ON CONFLICT (task) DO NOTHING")) {
            first.setInt(1, task);
            first.setInt(2, sink.node);
            if (first.executeUpdate() == 0) {
                try (PreparedStatement repeat = c.prepareStatement("INSERT INTO enq_sink_repeats (task, node) VALUES (?, ?)")) {
                    repeat.setInt(1, task);
                    repeat.setInt(2, sink.node);
                    repeat.executeUpdate();
                }
            }
        }
    }

    static long rows(DataSource admin) throws SQLException {
        return longOf(admin, "SELECT count(*) FROM enq_sink");
    }

    /** The database's clock now, in microseconds since the epoch: the same clock that stamps the sink's rows. */
    static long databaseMicros(DataSource admin) throws SQLException {
        return longOf(admin, "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint");
    }

    static Tally tally(DataSource admin, int nodes) throws SQLException {
        List<Long> perNode = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            perNode.add(longOf(admin, "SELECT count(*) FROM enq_sink WHERE node = " + n));
        }
        return new Tally(rows(admin), longOf(admin, "SELECT count(*) FROM enq_sink_repeats"),
                longOf(admin, "SELECT coalesce((extract(epoch FROM max(done_at)) * 1000000)::bigint, 0) FROM enq_sink"), perNode);
    }

    private static long longOf(DataSource admin, String query) throws SQLException {
        try (Connection c = admin.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
