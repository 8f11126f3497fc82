package dev.chime.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Clearing a library's tables between rounds, for libraries that create their own under a prefix. */
final class BenchTables {

    private BenchTables() {
    }

    /**
     * Drops Chime's store-jdbc tables under {@code prefix}, all of them: a round that dropped only
     * some would find the schema version of the last round and tables without its columns.
     */
    static void dropChime(DataSource ds, String prefix) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            for (String table : new String[] {"history", "runs", "jobs", "nodes", "leases", "schema_version"}) {
                st.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
    }

    /** Drops every view and table in the current schema whose name starts with {@code prefix}, views first. */
    static void dropStartingWith(DataSource ds, String prefix) throws SQLException {
        List<String> views = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT table_name, table_type FROM information_schema.tables "
                     + "WHERE table_schema = current_schema() AND starts_with(table_name, '" + prefix + "')")) {
            while (rs.next()) {
                (rs.getString(2).equals("VIEW") ? views : tables).add(rs.getString(1));
            }
        }
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            for (String view : views) {
                st.execute("DROP VIEW IF EXISTS " + view + " CASCADE");
            }
            for (String table : tables) {
                st.execute("DROP TABLE IF EXISTS " + table + " CASCADE");
            }
        }
    }
}
