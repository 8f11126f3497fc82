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
 * versions 2 and 3; a database of version 2 (with jobs, history and a run in progress) gets
 * version 3's columns and keeps its rows; one at a version newer than the store knows is refused.
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
    void aVersionOneSchemaGetsTheRunHistoryInPlaceKeepsItsJobsAndRecordsVersionsTwoAndThreeOnce(TestDatabase tdb)
            throws Exception {
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
            assertThat(versionRows(db, sql)).as("versions recorded after start %d", start).containsExactly(2, 3);
        }
        assertThat(indexes(db, sql.history)).contains(prefix + "history_finished", prefix + "history_job");
    }

    /** A database as version 2 left it: the shipped scripts up to -v2, version 2 recorded. */
    private static void createVersionTwo(Database db, Sql sql, String prefix) throws SQLException {
        Schema.run(db, Schema.statements(db.dialect(), prefix));
        Schema.run(db, Schema.upgradeStatements(db.dialect(), prefix));
        Schema.run(db, Schema.migrationStatements(db.dialect(), prefix, 2));
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.recordSchemaVersion)) {
                ps.setInt(1, 2);
                return ps.executeUpdate();
            }
        });
    }

    /** A history row as version 2 wrote it (no data or options columns). */
    private static void addHistoryAsV2(Database db, Sql sql, String jobId, Outcome outcome, Instant finishedAt, String error)
            throws SQLException {
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.history + " (job_id, task, fire_time, attempts, "
                    + "node, started_at, finished_at, duration_us, outcome, error, stack_trace) VALUES (?, 'task', ?, 1, 'old', ?, "
                    + "?, 250000, ?, ?, ?)")) {
                ps.setString(1, jobId);
                ps.setLong(2, Sql.nanos(T0));
                ps.setLong(3, Sql.nanos(finishedAt.minusMillis(250)));
                ps.setLong(4, Sql.nanos(finishedAt));
                ps.setString(5, outcome.name());
                ps.setString(6, error);
                ps.setString(7, error == null ? null : error + "\n\tat Old.run(Old.java:1)\n");
                return ps.executeUpdate();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aVersionTwoDatabaseGetsVersionThreesColumnsInPlaceAndKeepsItsJobsHistoryAndRuns(TestDatabase tdb) throws Exception {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        Dialect dialect = Database.detect(dataSource);
        Database db = new Database(dataSource, dialect);
        Sql sql = new Sql(prefix, dialect);
        createVersionTwo(db, sql, prefix);
        addAsV1(db, sql, new StoredJob("plain", "task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
        addAsV1(db, sql, new StoredJob("running", "task", "cron:0 * * * *", "{}", "{\"n\":2}", false, T0, null,
                new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(1), Duration.ofMillis(900), "boom"), 0));
        addHistoryAsV2(db, sql, "plain", Outcome.SUCCESS, T0.plusSeconds(1), null);
        addHistoryAsV2(db, sql, "running", Outcome.FAILURE, T0.plusSeconds(2), "java.io.IOException: boom");
        // A run in progress on a node of version 2, as its insert left it (no cancel mark column).
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.runs + " (run_id, job_id, fire_time, node_id, "
                    + "recoverable, started_at_ms, fence) VALUES ('run-1', 'running', ?, 'old-node', TRUE, 0, 1)")) {
                ps.setLong(1, Sql.nanos(T0));
                return ps.executeUpdate();
            }
        });
        List<StoredJob> jobs = listJobs(db, sql);

        List<dev.chime.RunRecord> history = null;
        for (int start = 0; start < 2; start++) {
            try (JdbcJobStore store = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true)
                    .nodeName("v3").build()) {
                assertThat(store.list()).as("jobs after start %d", start).isEqualTo(jobs);
                List<dev.chime.RunRecord> runs = store.history(HistoryQuery.all()).runs();
                if (history == null) {
                    assertThat(runs).extracting(r -> r.jobId() + ":" + r.outcome() + ":" + r.error())
                            .containsExactly("running:FAILURE:java.io.IOException: boom", "plain:SUCCESS:null");
                    assertThat(runs).allSatisfy(r -> {
                        assertThat(r.dataJson()).isNull();
                        assertThat(r.optionsJson()).isNull();
                        assertThat(r.stackTrace() == null).isEqualTo(r.error() == null);
                    });
                    history = runs;
                } else {
                    assertThat(runs).as("history after start %d", start).isEqualTo(history);
                }
            }
            assertThat(versionRows(db, sql)).as("versions recorded after start %d", start).containsExactly(2, 3);
        }

        try (JdbcJobStore store = JdbcJobStore.builder(dataSource).tablePrefix(prefix).nodeName("after").build()) {
            assertThat(store.requestCancel("running")).as("the run in progress from version 2").isTrue();
            dev.chime.RunRecord task = new dev.chime.RunRecord(0, "task-1", "task", T0, 1, "after", T0, T0.plusSeconds(9),
                    Duration.ofSeconds(1), Outcome.CANCELLED, null, null, "{\"n\":3}", "{\"retries\":1}");
            store.recordOutcome(new dev.chime.spi.RunEnd(task, false));
            dev.chime.RunRecord read = store.history(HistoryQuery.forJob("task-1")).runs().get(0);
            assertThat(read.dataJson()).isEqualTo("{\"n\":3}");
            assertThat(read.optionsJson()).isEqualTo("{\"retries\":1}");
            assertThat(read.outcome()).isEqualTo(Outcome.CANCELLED);
        }
        // The run from version 2 waits for no retry (deferRun's columns, at their defaults).
        String retryColumns = db.autoCommit(c -> {
            try (java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT attempts_made, retry_at FROM " + sql.runs
                         + " WHERE run_id = 'run-1'")) {
                rs.next();
                int made = rs.getInt(1);
                rs.getLong(2);
                return made + ":" + (rs.wasNull() ? "null" : "set");
            }
        });
        assertThat(retryColumns).isEqualTo("0:null");
        assertThat(columnType(db, sql.history, "data_json")).as("history.data_json like jobs.data_json")
                .isEqualTo(columnType(db, sql.jobs, "data_json"));
        assertThat(columnType(db, sql.history, "options_json")).as("history.options_json like jobs.options_json")
                .isEqualTo(columnType(db, sql.jobs, "options_json"));
    }

    /**
     * Tables dropped by hand (as a test's clean-up may do) while the version table stays: version
     * 1's script creates them again without the later versions' columns, which the recorded version
     * says they have. Found by the demo app's cluster test, which drops runs, jobs and nodes only.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void tablesDroppedWhileTheVersionStaysAreCreatedWholeAgain(TestDatabase tdb) throws Exception {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true).build().close();
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement st = c.createStatement()) {
            for (String table : List.of("runs", "jobs", "nodes")) {
                st.execute("DROP TABLE " + prefix + table);
            }
        }

        JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true).build().close();
        // Checked by a start that may not create anything: it fails on any column missing.
        JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(false).build().close();
        Database db = new Database(dataSource, Database.detect(dataSource));
        assertThat(versionRows(db, new Sql(prefix, db.dialect()))).containsExactly(2, 3);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aVersionTwoDatabaseWithoutCreateSchemaIsRefusedNamingTheVersionThreeScript(TestDatabase tdb) throws Exception {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        Dialect dialect = Database.detect(dataSource);
        Database db = new Database(dataSource, dialect);
        Sql sql = new Sql(prefix, dialect);
        createVersionTwo(db, sql, prefix);

        assertThatThrownBy(() -> JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(false).build())
                .hasStackTraceContaining("of schema version 3").hasStackTraceContaining(dialect.migrationScriptName(3));
        assertThat(versionRows(db, sql)).containsExactly(2);
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

    /** A column's type as the driver names it, with its size: the same on two columns means the same type. */
    private static String columnType(Database db, String table, String column) throws SQLException {
        return db.autoCommit(c -> {
            DatabaseMetaData meta = c.getMetaData();
            for (String t : List.of(table, table.toUpperCase(Locale.ROOT))) {
                for (String col : List.of(column, column.toUpperCase(Locale.ROOT))) {
                    try (ResultSet rs = meta.getColumns(c.getCatalog(), null, t, col)) {
                        if (rs.next()) {
                            return rs.getString("TYPE_NAME").toLowerCase(Locale.ROOT) + "(" + rs.getLong("COLUMN_SIZE") + ")";
                        }
                    }
                }
            }
            throw new AssertionError("no column " + column + " in " + table);
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
