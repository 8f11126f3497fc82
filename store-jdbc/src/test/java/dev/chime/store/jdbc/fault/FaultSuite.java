package dev.chime.store.jdbc.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.chime.store.jdbc.TestDatabase;
import dev.chime.store.jdbc.fault.NodeJvm.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The fault-injection suite: three scheduler JVMs share one database and run the {@link Workload}
 * while the scenario does one fault or several to them; then every {@link Invariants invariant} is
 * checked exactly from the records the job bodies wrote. One subclass per database. See
 * {@code docs/FAULTS.md}.
 */
abstract class FaultSuite {

    /** Short, so that the scenarios stay short: a frozen or killed node is taken over after 2 s. */
    static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

    abstract TestDatabase database();

    /** A private server of this database, for the restart scenario. */
    abstract PrivateDatabase privateDatabase() throws Exception;

    private Scenario scenario(String name) {
        TestDatabase db = database();
        DataSource ds = db.dataSource();
        return new Scenario(name + "-" + db.name().toLowerCase(Locale.ROOT), db.url(), ds);
    }

    private static List<Settings> plainNodes(double failureRate) {
        return List.of(new Settings("p1", Duration.ZERO, failureRate, NODE_TIMEOUT),
                new Settings("p2", Duration.ZERO, failureRate, NODE_TIMEOUT),
                new Settings("p3", Duration.ZERO, failureRate, NODE_TIMEOUT));
    }

    private static void assertAllHold(Invariants invariants) {
        assertThat(invariants.failed()).as(invariants.report()).isEmpty();
    }

    @Test
    void nodeFrozenPastItsTimeoutAndResumedRunsNothingTwice() throws Exception {
        try (Scenario s = scenario("freeze").start(plainNodes(0))) {
            s.awaitRecoverableBodyInFlight("p1", 3_000);
            s.freezeUntilTakenOver("p1", Duration.ofSeconds(1));
            s.awaitDbTime(s.dbNow() + 6_000);
            assertAllHold(s.finish());
        }
    }

    @Test
    void killedNodeWhileCommitsFailAndCompletionsAreRetriedRunsEachFiringOnce() throws Exception {
        try (Scenario s = scenario("kill-flaky").start(plainNodes(0.1))) {
            s.awaitRecoverableBodyInFlight("p1", 3_000);
            s.kill("p1");
            s.awaitDbTime(s.dbNow() + 8_000);
            assertAllHold(s.finish());
        }
    }

    @Test
    void nodesWithClocksSkewedByFortyFiveSecondsNeverFireEarly() throws Exception {
        List<Settings> skewed = List.of(new Settings("p1", Duration.ofSeconds(45), 0, NODE_TIMEOUT),
                new Settings("p2", Duration.ofSeconds(-45), 0, NODE_TIMEOUT),
                new Settings("p3", Duration.ZERO, 0, NODE_TIMEOUT));
        try (Scenario s = scenario("skew").start(skewed)) {
            s.awaitDbTime(s.dbNow() + 12_000);
            assertAllHold(s.finish());
        }
    }

    @Test
    void killedAndFrozenNodesWhileCommitsFailRunEachFiringOnce() throws Exception {
        try (Scenario s = scenario("combined").start(plainNodes(0.05))) {
            s.awaitRecoverableBodyInFlight("p2", 3_000);
            s.kill("p2");
            // Any body: after the kill p3 may have taken every recoverable job for a while.
            s.awaitBodyInFlight("p1", 0, "%");
            s.freezeUntilTakenOver("p1", Duration.ofSeconds(1));
            s.awaitDbTime(s.dbNow() + 6_000);
            assertAllHold(s.finish());
        }
    }

    /** The outage (a crash and recovery of a private server) is shorter than the node timeout: nobody is taken over. */
    @Test
    void databaseRestartLosesNoFiringAndRepeatsNone() throws Exception {
        try (PrivateDatabase db = privateDatabase()) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(db.url());
            config.setMaximumPoolSize(4);
            HikariDataSource ds = new HikariDataSource(config);
            Duration timeout = Duration.ofSeconds(15);
            try (Scenario s = new Scenario("restart-" + database().name().toLowerCase(Locale.ROOT), db.url(), ds)
                    .start(List.of(new Settings("p1", Duration.ZERO, 0, timeout), new Settings("p2", Duration.ZERO, 0, timeout),
                            new Settings("p3", Duration.ZERO, 0, timeout)))) {
                s.awaitRecoverableBodyInFlight("p1", 3_000);
                s.restartDatabase(db);
                s.awaitDbTime(s.dbNow() + 6_000);
                assertAllHold(s.finish());
            } finally {
                ds.close();
            }
        }
    }
}
