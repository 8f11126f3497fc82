package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chime.ExecutionState;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.spi.StoredExecution;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.JdbcJobStore;
import dev.chime.store.jdbc.JdbcStoreException;
import dev.chime.store.jdbc.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The versioned schema ({@link Schema}): a database made by an earlier release's DDL (copies in test
 * resources, {@code schema/legacy/}) is upgraded in place with its jobs, claims and runs, and its
 * jobs keep firing; a new database gets the newest version; nodes starting at once upgrade it once;
 * a database newer than the code, or older without {@code createSchema(true)}, is refused.
 */
class SchemaUpgradeTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private DataSource dataSource;
    private String prefix;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (dataSource != null) {
            TestDatabase.drop(dataSource, prefix);
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + prefix + "race");
            }
        }
    }

    private Database database(TestDatabase tdb) {
        dataSource = tdb.dataSource();
        prefix = TestDatabase.freshPrefix();
        return new Database(dataSource, Database.detect(dataSource));
    }

    private JdbcJobStore store(String node, boolean createSchema) {
        JdbcJobStore store = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(createSchema).nodeName(node)
                .heartbeatInterval(Duration.ofMillis(100)).nodeTimeout(Duration.ofMillis(300)).build();
        open.add(store);
        return store;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aVersionOneDatabaseWithJobsClaimsAndRunsIsUpgradedInPlaceAndItsRunInFlightIsRecovered(TestDatabase tdb)
            throws Exception {
        Database db = database(tdb);
        Sql sql = new Sql(prefix, db.dialect());
        Schema.run(db, Schema.statements(db.dialect(), 1, prefix));
        db.autoCommit(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql.createSchemaVersion);
                s.executeUpdate("INSERT INTO " + prefix + "schema_version (id, version) VALUES (1, 1)");
            }
            return null;
        });
        // Version 1 at work on a node that died: an interval job ran three times and has its fourth
        // run, at 30 s, in flight (fencing token 4); another job's fire time at 30 s is
        // claimed but not started; a run that ended is only a completion marker.
        long fire30 = Sql.nanos(T0.plusSeconds(30));
        LastRun ran = new LastRun(Outcome.SUCCESS, T0.plusSeconds(20), T0.plusSeconds(21), Duration.ofMillis(5), null);
        db.autoCommit(c -> {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO " + prefix + "nodes (node_id, heartbeat_at_ms, started_at_ms) VALUES ('old', 0, 0)");
                s.executeUpdate("INSERT INTO " + prefix + "runs (run_id, job_id, fire_time, node_id, recoverable, "
                        + "started_at_ms, ended_at_ms, fence) VALUES ('run-ended', 'every-10s', " + Sql.nanos(T0.plusSeconds(20))
                        + ", 'old', TRUE, 1, 2, 3)");
                s.executeUpdate("INSERT INTO " + prefix + "runs (run_id, job_id, fire_time, node_id, recoverable, "
                        + "started_at_ms, fence) VALUES ('run-in-flight', 'every-10s', " + fire30 + ", 'old', TRUE, 3, 4)");
            }
            return null;
        });
        insertJobs(db, sql, new StoredJob("every-10s", "count", "interval:PT10S", "{\"recoverable\":true}", "{\"n\":1}", false, T0.plusSeconds(40),
                null, ran, 5), new StoredJob("claimed", "count", "interval:PT10S", "{}", null, false, null, T0.plusSeconds(30),
                null, 2));
        db.autoCommit(c -> {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE " + prefix + "jobs SET fence = 4, running = 1 WHERE id = 'every-10s'");
                s.executeUpdate("UPDATE " + prefix + "jobs SET claimed_by = 'old', claimed_at_ms = 3 WHERE id = 'claimed'");
            }
            return null;
        });

        TestClock clock = TestClock.at(T0.plusSeconds(30));
        JdbcJobStore upgraded = store("upgraded", true);
        assertThat(Schema.recordedVersionOf(db, sql)).contains(Schema.latestVersion(db.dialect()));
        assertThat(upgraded.get("every-10s").orElseThrow().lastRun()).isEqualTo(ran);
        assertThat(upgraded.get("every-10s").orElseThrow().dataJson()).isEqualTo("{\"n\":1}");
        // The run in flight is a RUNNING execution of the dead node; the ended run left no history.
        assertThat(upgraded.execution("run-ended")).isEmpty();
        assertThat(upgraded.execution("run-in-flight").orElseThrow().state()).isIn(ExecutionState.RUNNING,
                ExecutionState.SUCCEEDED);

        // The dead node is taken over: its run runs again (with a higher token), its claim fires.
        List<String> ran30 = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scheduler after = Scheduler.builder().clock(clock).store(upgraded).task("count", ctx -> ran30.add(ctx.jobId() + "@"
                + ctx.scheduledFireTime().getEpochSecond() % 60 + "#" + ctx.fencingToken())).build();
        open.add(after);
        after.start();
        // The takeover happens on the heartbeat thread: the test clock runs what it hands over.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            clock.runDue();
            assertThat(ran30).as("runs; the execution now %s; jobs %s", upgraded.execution("run-in-flight"), upgraded.list())
                    .hasSize(2);
        });
        assertThat(ran30).containsExactlyInAnyOrder("every-10s@30#5", "claimed@30#1");
        StoredExecution recovered = upgraded.execution("run-in-flight").orElseThrow();
        assertThat(recovered.state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(recovered.fencingToken()).isEqualTo(5);
        clock.advance(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(20)).until(() -> ran30.size() == 4);
        assertThat(ran30).contains("every-10s@40#6", "claimed@40#2");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDatabaseOfTheReleaseBeforeVersionsIsUpgradedInPlaceAndItsJobsKeepFiring(TestDatabase tdb) throws Exception {
        Database db = database(tdb);
        Schema.run(db, Schema.parse(legacyScript("before-versions", db.dialect()), prefix));
        Sql sql = new Sql(prefix, db.dialect());
        StoredJob every = new StoredJob("every-10s", "count", "interval:PT10S", "{}", null, false, T0.plusSeconds(10), null,
                new LastRun(Outcome.SUCCESS, T0, T0.plusSeconds(1), Duration.ofMillis(3), null), 0);
        insertJobs(db, sql, every);
        assertThat(Schema.recordedVersionOf(db, sql)).isEmpty();

        TestClock clock = TestClock.at(T0);
        JdbcJobStore upgraded = store("upgraded", true);
        assertThat(Schema.recordedVersionOf(db, sql)).contains(Schema.latestVersion(db.dialect()));
        assertThat(upgraded.list()).containsExactly(every);
        AtomicInteger runs = new AtomicInteger();
        Scheduler after = Scheduler.builder().clock(clock).store(upgraded).task("count", ctx -> runs.incrementAndGet()).build();
        open.add(after);
        after.start();
        clock.advance(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(20)).until(() -> runs.get() == 1);
        clock.advance(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(20)).until(() -> runs.get() == 2);
        assertThat(upgraded.get("every-10s").orElseThrow().lastRun().outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(upgraded.executions(dev.chime.ExecutionQuery.builder().job("every-10s").build()))
                .extracting(StoredExecution::state).containsExactly(ExecutionState.SUCCEEDED, ExecutionState.SUCCEEDED);
    }

    /** Inserts jobs with the columns every release has had. */
    private static void insertJobs(Database db, Sql sql, StoredJob... jobs) throws SQLException {
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.jobs + " (" + Sql.JOB_COLUMNS + ", running) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")) {
                for (StoredJob job : jobs) {
                    Sql.bindJob(ps, 1, job, job.version());
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aFirstReleaseSchemaIsUpgradedInPlaceAndKeepsItsJobs(TestDatabase tdb) throws Exception {
        Database db = database(tdb);
        Dialect dialect = db.dialect();
        Schema.run(db, Schema.parse(legacyScript("first-release", dialect), prefix));

        List<StoredJob> before = List.of(
                new StoredJob("paused", "task", "cron:0 * * * *", "{\"coalesce\":true}", "{\"region\":\"eu\"}", true, null,
                        null, new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(2), Duration.ofMillis(1500), "boom"), 0),
                new StoredJob("plain", "task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
        insertJobs(db, new Sql(prefix, dialect), before.toArray(StoredJob[]::new));

        for (int start = 0; start < 2; start++) {
            try (JdbcJobStore upgraded = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true)
                    .nodeName("upgraded").build()) {
                assertThat(upgraded.list()).as("jobs after start %d on the upgraded schema", start).isEqualTo(before);
            }
        }
        assertThat(Schema.recordedVersionOf(db, new Sql(prefix, dialect))).contains(Schema.latestVersion(dialect));

        Set<String> indexes = indexes(db, new Sql(prefix, dialect).jobs);
        if (dialect == Dialect.POSTGRESQL) {
            assertThat(indexes).contains(prefix + "jobs_due", prefix + "jobs_claimed_by");
        } else {
            assertThat(indexes).contains(prefix + "jobs_next_due", prefix + "jobs_claimed_by").doesNotContain(prefix + "jobs_due");
        }
        assertThat(indexes(db, new Sql(prefix, dialect).executions)).contains(prefix + "executions_claimable",
                prefix + "executions_job", prefix + "executions_ended", prefix + "executions_node");
        if (dialect == Dialect.MARIADB) {
            assertThat(columnTypes(db, prefix + "jobs")).containsEntry("trigger_spec", "mediumtext")
                    .containsEntry("options_json", "mediumtext").containsEntry("data_json", "mediumtext");
            assertThat(columnTypes(db, prefix + "executions")).containsEntry("data_json", "mediumtext")
                    .containsEntry("options_json", "mediumtext");
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
    void aNewDatabaseGetsTheNewestVersionAndAnotherStartChangesNothing(TestDatabase tdb) throws Exception {
        Database db = database(tdb);
        Sql sql = new Sql(prefix, db.dialect());
        store("first", true).add(new StoredJob("job", "task", "interval:PT10S", "{}", null, false, T0, null, null, 0));
        assertThat(Schema.recordedVersionOf(db, sql)).contains(Schema.latestVersion(db.dialect()));
        assertThat(store("second", true).list()).extracting(StoredJob::id).containsExactly("job");
        assertThat(Schema.recordedVersionOf(db, sql)).contains(Schema.latestVersion(db.dialect()));
        assertThat(Schema.latestVersion(db.dialect())).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void threeNodesStartingAtOnceOnADatabaseOfTheReleaseBeforeVersionsAllStart(TestDatabase tdb) throws Exception {
        Database db = database(tdb);
        Schema.run(db, Schema.parse(legacyScript("before-versions", db.dialect()), prefix));
        List<JdbcJobStore> stores = atOnce(3, i -> store("node" + i, true));
        assertThat(stores).hasSize(3);
        assertThat(Schema.recordedVersionOf(db, new Sql(prefix, db.dialect()))).contains(Schema.latestVersion(db.dialect()));
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void threeNodesUpgradingAtOnceRunEachScriptOnce(TestDatabase tdb) throws Exception {
        Database db = database(tdb);
        Sql sql = new Sql(prefix, db.dialect());
        // schema-race: V2 fails when run twice, V3 inserts a row each time it runs.
        atOnce(3, i -> {
            Schema.migrate(db, sql, "/dev/chime/store/jdbc/schema-race/");
            return i;
        });
        assertThat(Schema.recordedVersionOf(db, sql)).contains(3);
        int rows = db.autoCommit(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + prefix + "race")) {
                rs.next();
                return rs.getInt(1);
            }
        });
        assertThat(rows).as("rows V3 inserted").isEqualTo(1);
        // From an older recorded version, only the newer scripts run.
        setVersion(db, sql, 2);
        db.autoCommit(c -> c.createStatement().executeUpdate("DELETE FROM " + prefix + "race"));
        Schema.migrate(db, sql, "/dev/chime/store/jdbc/schema-race/");
        assertThat(Schema.recordedVersionOf(db, sql)).contains(3);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDatabaseNewerThanTheCodeIsRefusedWithAClearError(TestDatabase tdb) throws Exception {
        Database db = database(tdb);
        Sql sql = new Sql(prefix, db.dialect());
        store("first", true).close();
        int latest = Schema.latestVersion(db.dialect());
        setVersion(db, sql, latest + 1);
        for (boolean createSchema : new boolean[] {true, false}) {
            assertThatThrownBy(() -> store("refused", createSchema)).isInstanceOf(JdbcStoreException.class)
                    .hasMessageContaining(prefix + "schema_version records schema version " + (latest + 1) + ", newer than "
                            + "the newest this chime-store-jdbc knows (" + latest + ", dev/chime/store/jdbc/schema/"
                            + db.dialect().name() + "/V" + latest + ".sql)");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anOlderRecordedVersionWithoutCreateSchemaIsAClearError(TestDatabase tdb) throws Exception {
        Database db = database(tdb);
        Sql sql = new Sql(prefix, db.dialect());
        store("first", true).close();
        setVersion(db, sql, 0);
        assertThatThrownBy(() -> store("refused", false)).isInstanceOf(JdbcStoreException.class)
                .hasMessageContaining(prefix + "schema_version records schema version 0, older than this chime-store-jdbc's "
                        + Schema.latestVersion(db.dialect()))
                .hasMessageContaining("createSchema(true)");
        store("upgrading", true);
        assertThat(Schema.recordedVersionOf(db, sql)).contains(Schema.latestVersion(db.dialect()));
    }

    private static void setVersion(Database db, Sql sql, int version) throws SQLException {
        db.autoCommit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.setSchemaVersion)) {
                ps.setInt(1, version);
                return ps.executeUpdate();
            }
        });
    }

    private interface Start<T> {
        T start(int node) throws Exception;
    }

    /** Runs {@code start} on {@code n} threads released together; answers their results. */
    private static <T> List<T> atOnce(int n, Start<T> start) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CyclicBarrier together = new CyclicBarrier(n);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int node = i;
                futures.add(pool.submit((Callable<T>) () -> {
                    together.await();
                    return start.start(node);
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(2, TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String legacyScript(String release, Dialect dialect) throws IOException {
        String resource = "/dev/chime/store/jdbc/schema/legacy/" + release + "/" + dialect.name() + ".sql";
        try (InputStream in = SchemaUpgradeTest.class.getResourceAsStream(resource)) {
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
