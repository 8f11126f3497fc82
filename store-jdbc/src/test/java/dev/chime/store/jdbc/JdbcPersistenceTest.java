package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.JobOptions;
import dev.chime.Outcome;
import dev.chime.Scheduler;
import dev.chime.SchedulerConfigurationException;
import dev.chime.TestClock;
import dev.chime.Triggers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.TimeZone;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A scheduler on the JDBC store, driven by the test clock: what survives a restart, and bad rows. */
class JdbcPersistenceTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final List<Scheduler> schedulers = new CopyOnWriteArrayList<>();
    private final List<JdbcJobStore> stores = new CopyOnWriteArrayList<>();
    private DataSource dataSource;
    private String prefix;

    @AfterEach
    void tearDown() throws Exception {
        schedulers.forEach(Scheduler::close);
        stores.forEach(JdbcJobStore::close);
        if (dataSource != null) {
            TestDatabase.drop(dataSource, prefix);
        }
    }

    private JdbcJobStore store(TestDatabase db) {
        if (dataSource == null) {
            dataSource = db.dataSource();
            prefix = TestDatabase.freshPrefix();
        }
        JdbcJobStore store = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true).nodeName("test").build();
        stores.add(store);
        return store;
    }

    private Scheduler scheduler(JdbcJobStore store, TestClock clock, AtomicInteger runs) {
        Scheduler s = Scheduler.builder().clock(clock).store(store).task("count", ctx -> runs.incrementAndGet()).build();
        schedulers.add(s);
        return s;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRestartResumesTheScheduleAndCoalescesTheDowntime(TestDatabase db) {
        TestClock clock = TestClock.at(T0);
        AtomicInteger runs = new AtomicInteger();
        Scheduler first = scheduler(store(db), clock, runs);
        first.add(JobDefinition.builder("every-10s").task("count").trigger(Triggers.interval(Duration.ofSeconds(10)))
                .options(JobOptions.builder().coalesce(true).misfireGraceTime(Duration.ofHours(2)).build())
                .data(java.util.Map.of("region", "eu")).build());
        first.add(JobDefinition.builder("paused").task("count").trigger(Triggers.interval(Duration.ofSeconds(10))).build());
        first.pauseJob("paused");
        first.start();
        clock.advance(Duration.ofSeconds(30));
        assertThat(runs).hasValue(3);
        first.close();
        stores.get(0).close();

        // One hour down, then a new process on the same tables.
        clock.advance(Duration.ofHours(1));
        AtomicInteger after = new AtomicInteger();
        Scheduler second = scheduler(store(db), clock, after);
        assertThat(second.job("every-10s")).hasValueSatisfying(info -> {
            assertThat(info.definition().dataJson()).isEqualTo("{\"region\":\"eu\"}");
            assertThat(info.lastRun()).hasValueSatisfying(r -> assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS));
        });
        assertThat(second.job("paused")).hasValueSatisfying(info -> assertThat(info.paused()).isTrue());
        second.start();
        clock.advance(Duration.ZERO);
        // 360 missed fire times, coalesced into one run.
        assertThat(after).hasValue(1);
        clock.advance(Duration.ofSeconds(10));
        assertThat(after).hasValue(2);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aBadRowIsReportedAndLeftAloneWhileTheOthersRun(TestDatabase db) throws Exception {
        TestClock clock = TestClock.at(T0);
        AtomicInteger runs = new AtomicInteger();
        List<JobEvent> failures = new CopyOnWriteArrayList<>();
        JdbcJobStore store = store(db);
        Scheduler s = scheduler(store, clock, runs);
        s.addListener(e -> {
            if (e instanceof JobEvent.Failed f) {
                failures.add(f);
            }
        });
        s.add(JobDefinition.of("good", "count", Triggers.interval(Duration.ofSeconds(10))));
        s.add(JobDefinition.of("unknown-task", "count", Triggers.interval(Duration.ofSeconds(10))));
        s.add(JobDefinition.of("bad-trigger", "count", Triggers.interval(Duration.ofSeconds(10))));
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE " + prefix + "jobs SET task = 'no-such-task' WHERE id = 'unknown-task'");
            st.executeUpdate("UPDATE " + prefix + "jobs SET trigger_spec = 'interval:banana' WHERE id = 'bad-trigger'");
        }
        s.start();
        clock.advance(Duration.ofSeconds(30));

        assertThat(runs).hasValue(3);
        // A task this node cannot run is not claimed: the job waits, due, for a node that can.
        assertThat(failures).isEmpty();
        assertThat(store.get("unknown-task")).hasValueSatisfying(row -> {
            assertThat(row.lastRun()).isNull();
            assertThat(row.claimedFireTime()).isNull();
            assertThat(row.nextFireTime()).isEqualTo(T0.plusSeconds(10));
        });
        // The unreadable row keeps its data, out of the schedule, until someone replaces it.
        assertThat(store.get("bad-trigger")).hasValueSatisfying(row -> {
            assertThat(row.triggerSpec()).isEqualTo("interval:banana");
            assertThat(row.nextFireTime()).isNull();
            assertThat(row.claimedFireTime()).isNull();
        });
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void instantsAreStoredAsUtcNanosecondsWhateverTheZones(TestDatabase db) throws Exception {
        assertThat(TimeZone.getDefault().toZoneId().getRules().getOffset(T0)).isNotEqualTo(ZoneOffset.UTC);
        JdbcJobStore store = store(db);
        Instant at = Instant.parse("2026-10-25T01:30:00.123456789Z");
        store.add(new dev.chime.spi.StoredJob("j", "count", "once:" + at, "{}", null, false, at, null, null, 0));
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT next_fire_time FROM " + prefix + "jobs WHERE id = 'j'")) {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(at.getEpochSecond() * 1_000_000_000L + 123_456_789L);
            }
        }
        assertThat(store.get("j").orElseThrow().nextFireTime()).isEqualTo(at);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theDatabaseClockExpressionReadsUtcEpochMillis(TestDatabase db) throws Exception {
        store(db).close();
        dev.chime.store.jdbc.internal.Dialect dialect = dev.chime.store.jdbc.internal.Database.detect(dataSource);
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            if (db == TestDatabase.MARIADB) {
                st.execute("SET time_zone = '+09:30'");
            } else if (db == TestDatabase.POSTGRESQL) {
                st.execute("SET TIME ZONE 'Pacific/Kiritimati'");
            } else {
                st.execute("SET TIME ZONE 'Pacific/Kiritimati'");
            }
            try (ResultSet rs = st.executeQuery("SELECT " + dialect.nowMillis())) {
                rs.next();
                long dbNow = rs.getLong(1);
                long here = java.time.Clock.systemUTC().millis();
                // Same machine: the two clocks agree far better than any time-zone offset.
                assertThat(Math.abs(dbNow - here)).isLessThan(60_000L);
            }
            st.execute(db == TestDatabase.MARIADB ? "SET time_zone = DEFAULT" : "SET TIME ZONE LOCAL");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aMissingSchemaIsAClearErrorNamingTheScript(TestDatabase db) {
        DataSource ds = db.dataSource();
        assertThatThrownBy(() -> JdbcJobStore.builder(ds).tablePrefix("never_created_").build())
                .isInstanceOf(JdbcStoreException.class)
                .hasMessageContaining("never_created_jobs")
                .hasMessageContaining("dev/chime/store/jdbc/schema/")
                .hasMessageContaining("chime.jdbc.create-schema");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theStoreIsFoundByNameWithItsSettingsFromProperties(TestDatabase db) throws Exception {
        dataSource = db.dataSource();
        prefix = TestDatabase.freshPrefix();
        AtomicInteger runs = new AtomicInteger();
        Scheduler s = Scheduler.builder().clock(TestClock.at(T0)).store("jdbc").component(dataSource)
                .property("chime.jdbc.table-prefix", prefix).property("chime.jdbc.create-schema", "true")
                .property("chime.jdbc.node-name", "props").task("count", ctx -> runs.incrementAndGet()).build();
        schedulers.add(s);
        s.add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(10))));
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT node_id FROM " + prefix + "nodes")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).startsWith("props-");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void badSettingsAreRejectedWithTheirName(TestDatabase db) {
        DataSource ds = db.dataSource();
        assertThatThrownBy(() -> JdbcJobStore.builder(ds).tablePrefix("x; DROP TABLE users; --"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a plain SQL identifier");
        assertThatThrownBy(() -> Scheduler.builder().store("jdbc").component(ds).property("chime.jdbc.node-timeout", "soon")
                .build()).isInstanceOf(SchedulerConfigurationException.class).hasMessageContaining("chime.jdbc.node-timeout");
        assertThatThrownBy(() -> Scheduler.builder().store("jdbc").build())
                .isInstanceOf(SchedulerConfigurationException.class).hasMessageContaining("DataSource");
        assertThatThrownBy(() -> JdbcJobStore.builder(ds).heartbeatInterval(Duration.ofSeconds(5))
                .nodeTimeout(Duration.ofSeconds(10)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("three heartbeat intervals");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRunNowOfAJobOnTheSystemClockRecordsItsOutcomeOnTheJobAndInTheHistory(TestDatabase db) {
        JdbcJobStore store = store(db);
        AtomicInteger runs = new AtomicInteger();
        Scheduler s = Scheduler.builder().store(store).task("count", ctx -> runs.incrementAndGet()).build();
        schedulers.add(s);
        s.start();
        s.add(dev.chime.JobDefinition.builder("later").task("count").trigger(dev.chime.Triggers.interval(Duration.ofHours(1),
                Instant.now().plus(Duration.ofHours(1)), null, null)).build());

        String id = s.runNow("later");

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(store.execution(id).orElseThrow().state()).as("%s", store.execution(id))
                    .isEqualTo(dev.chime.ExecutionState.SUCCEEDED);
            assertThat(store.get("later").orElseThrow().lastRun()).isNotNull();
        });
        assertThat(runs).hasValue(1);
        assertThat(store.get("later").orElseThrow().lastRun().outcome()).isEqualTo(Outcome.SUCCESS);
    }
}
