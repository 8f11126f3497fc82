package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.HistoryQuery;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.RunEnds;
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
 * {@code createSchema(true)}; starting again changes nothing. A database of the last version 1
 * ({@code schema/v1-last/}, today's DDL before the run history) gets the history and records
 * version 2; one at a version newer than the store knows is refused.
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

        // Written as the first release wrote them (today's insert also sets the fence column), two
        // of them claimed as its claim left them; a store of today refuses to start on this schema
        // without createSchema (it has no history table), so the rows are written directly.
        Sql sql = new Sql(prefix, dialect);
        addAsV1(db, sql, new StoredJob("plain", "task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
        addAsV1(db, sql, new StoredJob("paused", "task", "cron:0 * * * *", "{\"coalesce\":true}", "{\"region\":\"eu\"}", true, null,
                null, new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(2), Duration.ofMillis(1500), "boom"), 0));
        addAsV1(db, sql, new StoredJob("claimed", "task", "interval:PT1M", "{}", "{\"n\":1}", false, T0, null, null, 0));
        claimAsV1(db, sql, "v1");
        List<StoredJob> before = listJobs(db, sql);
        assertThat(before).filteredOn(j -> j.claimedFireTime() != null).hasSize(2);

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

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aVersionOneSchemaGetsTheRunHistoryInPlaceKeepsItsJobsAndRecordsVersionTwoOnce(TestDatabase tdb) throws Exception {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        Dialect dialect = Database.detect(dataSource);
        Database db = new Database(dataSource, dialect);
        Sql sql = new Sql(prefix, dialect);
        // The DDL of the last release of version 1 (no history, no version table), as shipped.
        Schema.run(db, Schema.parse(script("v1-last/" + dialect.scriptName()), prefix));
        Schema.run(db, Schema.parse(script("v1-last/" + dialect.upgradeScriptName()), prefix));
        addAsV1(db, sql, new StoredJob("plain", "task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
        addAsV1(db, sql, new StoredJob("done", "task", "cron:0 * * * *", "{}", "{\"n\":2}", true, null, null,
                new LastRun(Outcome.SUCCESS, T0, T0.plusSeconds(1), Duration.ofMillis(900), null), 0));
        List<StoredJob> expected = listJobs(db, sql);

        for (int start = 0; start < 2; start++) {
            try (JdbcJobStore store = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true)
                    .nodeName("v2").build()) {
                assertThat(store.list()).as("jobs after start %d", start).isEqualTo(expected);
                store.recordOutcome(RunEnds.of("plain", new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(2),
                        Duration.ofMillis(5), "boom " + start)));
                assertThat(store.history(HistoryQuery.forJob("plain")).runs()).hasSize(start + 1);
                assertThat(store.get("plain").orElseThrow().lastRun().error()).isEqualTo("boom " + start);
                expected = store.list();
            }
            assertThat(versionRows(db, sql)).as("versions recorded after start %d", start).containsExactly(2);
        }
        assertThat(indexes(db, sql.history)).contains(prefix + "history_finished", prefix + "history_job");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aVersionOneSchemaWithoutCreateSchemaIsRefusedNamingTheMissingTableAndLeftAsItWas(TestDatabase tdb) throws Exception {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        Dialect dialect = Database.detect(dataSource);
        Database db = new Database(dataSource, dialect);
        Sql sql = new Sql(prefix, dialect);
        Schema.run(db, Schema.parse(script("v1-last/" + dialect.scriptName()), prefix));
        Schema.run(db, Schema.parse(script("v1-last/" + dialect.upgradeScriptName()), prefix));
        addAsV1(db, sql, new StoredJob("plain", "task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
        List<StoredJob> expected = listJobs(db, sql);

        assertThatThrownBy(() -> JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(false).build())
                .hasStackTraceContaining("is missing or unreadable").hasStackTraceContaining("-v2");
        assertThat(listJobs(db, sql)).isEqualTo(expected);
        try (JdbcJobStore upgraded = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true).build()) {
            assertThat(upgraded.history(HistoryQuery.all()).runs()).isEmpty();
        }
        try (JdbcJobStore again = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(false).build()) {
            assertThat(again.list()).hasSize(1);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDatabaseAtANewerVersionIsRefusedNamingBothVersions(TestDatabase tdb) throws Exception {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true).build().close();
        Database db = new Database(dataSource, Database.detect(dataSource));
        Sql sql = new Sql(prefix, db.dialect());
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.recordSchemaVersion)) {
                ps.setInt(1, Schema.CURRENT_VERSION + 1);
                return ps.executeUpdate();
            }
        });

        // A newer release's tables: version 1's upgrade script must leave them alone.
        String newerIndex = db.dialect() == Dialect.MARIADB ? "DROP INDEX " + prefix + "jobs_next_due ON " + sql.jobs
                : "DROP INDEX " + prefix + (db.dialect() == Dialect.POSTGRESQL ? "jobs_due" : "jobs_next_due");
        db.autoCommit(c -> {
            try (java.sql.Statement st = c.createStatement()) {
                return st.executeUpdate(newerIndex);
            }
        });
        for (boolean create : new boolean[] {true, false}) {
            assertThatThrownBy(() -> JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(create).build())
                    .as("createSchema(%s)", create)
                    .isInstanceOf(dev.chime.store.jdbc.JdbcStoreException.class)
                    .hasMessageContaining("at version " + (Schema.CURRENT_VERSION + 1))
                    .hasMessageContaining("version " + Schema.CURRENT_VERSION + " that this chime-store-jdbc knows");
        }
        assertThat(indexes(db, sql.jobs)).as("indexes of the newer schema, untouched")
                .doesNotContain(prefix + (db.dialect() == Dialect.POSTGRESQL ? "jobs_due" : "jobs_next_due"));
    }

    private static List<Integer> versionRows(Database db, Sql sql) throws SQLException {
        return db.autoCommit(c -> {
            List<Integer> versions = new java.util.ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM " + sql.schemaVersionTable + " ORDER BY version");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.add(rs.getInt(1));
                }
            }
            return versions;
        });
    }

    private static String script(String name) throws IOException {
        try (InputStream in = SchemaUpgradeTest.class.getResourceAsStream("/dev/chime/store/jdbc/schema/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Claims every unpaused job as a claim of the first release left it. */
    static void claimAsV1(Database db, Sql sql, String node) throws SQLException {
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.jobs + " SET claimed_fire_time = next_fire_time, "
                    + "next_fire_time = NULL, claimed_by = ?, claimed_at_ms = 0, version = version + 1 WHERE paused = FALSE")) {
                ps.setString(1, node);
                return ps.executeUpdate();
            }
        });
    }

    static List<StoredJob> listJobs(Database db, Sql sql) throws SQLException {
        return db.autoCommit(c -> {
            List<StoredJob> all = new java.util.ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.listJobs); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(Sql.readJob(rs));
                }
            }
            return all;
        });
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
