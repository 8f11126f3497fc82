package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.ExecutionState;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunEndResult;
import dev.chime.spi.RunStart;
import dev.chime.spi.RunTicket;
import dev.chime.spi.ScheduleChange;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Defect 8: texts the databases reject (a 70 KiB error on MariaDB's TEXT, a NUL on PostgreSQL)
 * are cleaned and bounded in one place, so that the completion carrying them (and the group of
 * unrelated completions written with it) goes through; user data that cannot be stored fails early.
 */
class StoredTextsTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final List<JdbcJobStore> stores = new CopyOnWriteArrayList<>();
    private DataSource dataSource;
    private String prefix;

    @AfterEach
    void tearDown() throws Exception {
        stores.forEach(JdbcJobStore::close);
        if (dataSource != null) {
            TestDatabase.drop(dataSource, prefix);
        }
    }

    private JdbcJobStore store(TestDatabase db) {
        dataSource = db.dataSource();
        prefix = TestDatabase.freshPrefix();
        JdbcJobStore store = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true).nodeName("texts").build();
        stores.add(store);
        return store;
    }

    private static StoredJob job(String id, String data) {
        return new StoredJob(id, "task", "interval:PT10S", "{}", data, false, T0, null, null, 0);
    }

    /** Starts a run of each job and ends them all at once, failed, each with its error text; answers the tickets. */
    private static List<RunTicket> failTogether(JdbcJobStore store, List<String> ids, List<String> errors) {
        java.util.Map<String, Claim> claims = new java.util.HashMap<>();
        for (Claim claim : Runs.claim(store, T0)) {
            claims.put(claim.jobId(), claim);
        }
        List<RunTicket> tickets = ids.stream().map(id -> Runs.start(store, claims.get(id), T0, T0.plusSeconds(10)).ticket())
                .toList();
        List<RunEnd> ends = new java.util.ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            LastRun run = new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(1), Duration.ofSeconds(1), errors.get(i));
            ends.add(new RunEnd(tickets.get(i), ExecutionState.FAILED, T0.plusSeconds(1), errors.get(i), "at here", null, null,
                    run, null, null));
        }
        assertThat(store.endRuns(ends).toCompletableFuture().join()).extracting(RunEndResult::recorded)
                .containsOnly(true);
        return tickets;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aSeventyKibErrorTextIsStoredCutWithAMarker(TestDatabase db) {
        JdbcJobStore store = store(db);
        store.add(job("big", null));
        store.add(job("small", null));
        String huge = "java.lang.IllegalStateException: " + "x".repeat(70 * 1024);

        List<RunTicket> tickets = failTogether(store, List.of("big", "small"), List.of(huge, "boom"));

        String stored = store.get("big").orElseThrow().lastRun().error();
        assertThat(store.execution(tickets.get(0).executionId()).orElseThrow().error()).as("the history's error").isEqualTo(stored);
        assertThat(stored).hasSizeLessThanOrEqualTo(8_000)
                .startsWith("java.lang.IllegalStateException: xxx")
                .endsWith("... [cut by Chime: " + (huge.length() - stored.indexOf("... [cut")) + " more characters]");
        assertThat(store.get("small").orElseThrow().lastRun().error()).isEqualTo("boom");
        assertThat(store.get("small").orElseThrow().lastRun().outcome()).isEqualTo(Outcome.FAILURE);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aNulCharacterInAnErrorTextIsStrippedAndTheGroupIsStored(TestDatabase db) {
        JdbcJobStore store = store(db);
        store.add(job("nul", null));
        store.add(job("other", null));

        List<RunTicket> tickets = failTogether(store, List.of("nul", "other"), List.of("bad\u0000byte \uD800alone", "fine"));
        assertThat(store.execution(tickets.get(0).executionId()).orElseThrow().error()).isEqualTo("badbyte \uFFFDalone");

        assertThat(store.get("nul").orElseThrow().lastRun().error()).isEqualTo("badbyte \uFFFDalone");
        assertThat(store.get("other").orElseThrow().lastRun().error()).isEqualTo("fine");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void userDataOverSixtyFourKibIsStoredAndRunFromItsSnapshot(TestDatabase db) {
        JdbcJobStore store = store(db);
        String data = "{\"blob\":\"" + "\u00e9".repeat(100 * 1024) + "\"}";
        assertThat(store.add(job("large", data))).isTrue();

        assertThat(store.get("large").orElseThrow().dataJson()).isEqualTo(data);
        // Its last fire time: the job leaves the store with the claim, its data kept with the execution.
        Claim claim = Runs.claim(store, T0).get(0);
        RunStart start = new RunStart(java.util.UUID.randomUUID().toString(), T0, 1, 1, true, List.of(), data, "{}", T0);
        RunTicket ticket = store.endClaims(List.of(ClaimEnd.start(claim, start, ScheduleChange.remove()))).get(0).ticket();
        assertThat(ticket).isNotNull();
        assertThat(store.get("large")).isEmpty();
        assertThat(store.execution(ticket.executionId()).orElseThrow().dataJson()).isEqualTo(data);
        assertThat(Runs.succeed(store, ticket, T0.plusSeconds(1), null).recorded()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void userDataThatCannotBeStoredFailsEarlyNamingTheJobAndTheLimit(TestDatabase db) {
        JdbcJobStore store = store(db);
        String tooLarge = "{\"blob\":\"" + "y".repeat(4 * 1024 * 1024) + "\"}";

        assertThatThrownBy(() -> store.add(job("huge", tooLarge)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("job 'huge'").hasMessageContaining("data")
                .hasMessageContaining((tooLarge.length()) + " bytes").hasMessageContaining("4194304 bytes (4 MiB)");
        assertThatThrownBy(() -> store.put(job("nul", "{\"a\":\"\u0000\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("job 'nul'").hasMessageContaining("data contains a NUL character");
        assertThat(store.list()).isEmpty();
    }
}
