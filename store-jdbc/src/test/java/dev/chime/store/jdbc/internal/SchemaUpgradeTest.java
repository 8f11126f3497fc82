package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.JdbcJobStore;
import dev.chime.store.jdbc.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database created by the first release's DDL (copied to test resources as {@code schema/v1/})
 * keeps its jobs and gets the current column types and indexes when a store starts on it with
 * {@code createSchema(true)}; starting again changes nothing.
 */
class SchemaUpgradeTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private DataSource dataSource;
    private String prefix;

    @AfterEach
    void tearDown() throws SQLException {
        if (dataSource != null) {
            TestDatabase.drop(dataSource, prefix);
        }
    }

    private static void addAsV1(Database db, Sql sql, StoredJob job) throws SQLException {
        db.autoCommit(c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.jobs + " (" + Sql.JOB_COLUMNS
                    + ", running) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")) {
                Sql.bindJob(ps, 1, job, 0);
                return ps.executeUpdate();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aFirstReleaseSchemaIsUpgradedInPlaceAndKeepsItsJobs(TestDatabase tdb) throws Exception {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        Dialect dialect = Database.detect(dataSource);
        Database db = new Database(dataSource, dialect);
        Schema.run(db, Schema.parse(v1Script(dialect), prefix));

        List<StoredJob> before;
        try (JdbcJobStore v1 = JdbcJobStore.builder(dataSource).tablePrefix(prefix).nodeName("v1").build()) {
            // Written as the first release wrote them: today's insert also sets the fence column.
            Sql sql = new Sql(prefix, dialect);
            addAsV1(db, sql, new StoredJob("plain", "task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
            addAsV1(db, sql, new StoredJob("paused", "task", "cron:0 * * * *", "{\"coalesce\":true}", "{\"region\":\"eu\"}", true, null,
                    null, new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(2), Duration.ofMillis(1500), "boom"), 0));
            addAsV1(db, sql, new StoredJob("claimed", "task", "interval:PT1M", "{}", "{\"n\":1}", false, T0, null, null, 0));
            assertThat(v1.claimDue(T0, 10)).hasSize(2);
            before = v1.list();
        }

        for (int start = 0; start < 2; start++) {
            try (JdbcJobStore upgraded = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true)
                    .nodeName("upgraded").build()) {
                assertThat(upgraded.list()).as("jobs after start %d on the upgraded schema", start).isEqualTo(before);
            }
        }

        Set<String> indexes = indexes(db, new Sql(prefix, dialect).jobs);
        if (dialect == Dialect.POSTGRESQL) {
            assertThat(indexes).contains(prefix + "jobs_due", prefix + "jobs_claimed_by");
        } else {
            assertThat(indexes).contains(prefix + "jobs_next_due", prefix + "jobs_claimed_by").doesNotContain(prefix + "jobs_due");
        }
        if (dialect != Dialect.MARIADB) {
            // InnoDB's secondary index already ends with the primary key; the others get run_id in it.
            assertThat(indexes(db, new Sql(prefix, dialect).runs)).contains(prefix + "runs_node_run")
                    .doesNotContain(prefix + "runs_node");
        }
        if (dialect == Dialect.MARIADB) {
            assertThat(columnTypes(db, prefix + "jobs")).containsEntry("trigger_spec", "mediumtext")
                    .containsEntry("options_json", "mediumtext").containsEntry("data_json", "mediumtext");
            assertThat(columnTypes(db, prefix + "runs")).containsEntry("snapshot_trigger", "mediumtext")
                    .containsEntry("snapshot_options", "mediumtext").containsEntry("snapshot_data", "mediumtext");
        }
        try (JdbcJobStore upgraded = JdbcJobStore.builder(dataSource).tablePrefix(prefix).nodeName("after").build()) {
            String large = "{\"blob\":\"" + "z".repeat(100 * 1024) + "\"}";
            assertThat(upgraded.add(new StoredJob("large", "task", "interval:PT10S", "{}", large, false, T0, null, null, 0)))
                    .isTrue();
            assertThat(upgraded.get("large").orElseThrow().dataJson()).isEqualTo(large);
        }
    }

    private static String v1Script(Dialect dialect) throws IOException {
        try (InputStream in = SchemaUpgradeTest.class.getResourceAsStream("/dev/chime/store/jdbc/schema/v1/" + dialect.scriptName())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Set<String> indexes(Database db, String table) throws SQLException {
        return db.autoCommit(c -> {
            Set<String> names = new TreeSet<>();
            DatabaseMetaData meta = c.getMetaData();
            for (String name : List.of(table, table.toUpperCase(Locale.ROOT))) {
                try (ResultSet rs = meta.getIndexInfo(c.getCatalog(), null, name, false, false)) {
                    while (rs.next()) {
                        if (rs.getString("INDEX_NAME") != null) {
                            names.add(rs.getString("INDEX_NAME").toLowerCase(Locale.ROOT));
                        }
                    }
                }
            }
            return names;
        });
    }

    private static Map<String, String> columnTypes(Database db, String table) throws SQLException {
        return db.autoCommit(c -> {
            Map<String, String> types = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
                    + "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        types.put(rs.getString(1).toLowerCase(Locale.ROOT), rs.getString(2).toLowerCase(Locale.ROOT));
                    }
                }
            }
            return types;
        });
    }
}
