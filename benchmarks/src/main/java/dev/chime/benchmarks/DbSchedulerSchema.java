package dev.chime.benchmarks;

import java.sql.Connection;
import java.sql.Statement;
import javax.sql.DataSource;

/** db-scheduler's own PostgreSQL table (its documented DDL), fresh, under a name each harness picks. */
final class DbSchedulerSchema {

    private DbSchedulerSchema() {
    }

    /** Drops and creates {@code table}; index names carry the table's name, as PostgreSQL's are per schema. */
    static void create(DataSource ds, String table) throws Exception {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (task_name TEXT NOT NULL, task_instance TEXT NOT NULL, task_data BYTEA, "
                    + "execution_time TIMESTAMP WITH TIME ZONE NOT NULL, picked BOOLEAN NOT NULL, picked_by TEXT, "
                    + "last_success TIMESTAMP WITH TIME ZONE, last_failure TIMESTAMP WITH TIME ZONE, consecutive_failures INT, "
                    + "last_heartbeat TIMESTAMP WITH TIME ZONE, version BIGINT NOT NULL, priority SMALLINT, "
                    + "PRIMARY KEY (task_name, task_instance))");
            st.execute("CREATE INDEX " + table + "_execution_time_idx ON " + table + " (execution_time)");
            st.execute("CREATE INDEX " + table + "_last_heartbeat_idx ON " + table + " (last_heartbeat)");
            st.execute("CREATE INDEX " + table + "_priority_execution_time_idx ON " + table + " (priority DESC, execution_time ASC)");
        }
    }
}
