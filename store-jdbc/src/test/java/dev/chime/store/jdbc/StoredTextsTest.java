package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
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

    /** Begins a run of each job and completes them all at once, each with its error text. */
    private static List<Boolean> completeTogether(JdbcJobStore store, List<String> ids, List<String> errors) {
        List<RunTicket> tickets = ids.stream()
                .map(id -> store.beginRun(new RunRequest(id, T0, 1, true, store.get(id).orElseThrow())))
                .toList();
        List<java.util.concurrent.CompletableFuture<Boolean>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            LastRun run = new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(1), Duration.ofSeconds(1), errors.get(i));
            // The error text alone: a stack trace of its own would be bounded by RunRecord already.
            dev.chime.RunRecord record = new dev.chime.RunRecord(0, ids.get(i), "task", T0, 1, "node-a", T0, run.finishedAt(),
                    run.duration(), run.outcome(), run.error(), null);
            answers.add(store.completeRunAsync(tickets.get(i), new dev.chime.spi.RunEnd(record, true)).toCompletableFuture());
        }
        return answers.stream().map(java.util.concurrent.CompletableFuture::join).toList();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aSeventyKibErrorTextIsStoredCutWithAMarker(TestDatabase db) {
        JdbcJobStore store = store(db);
        store.add(job("big", null));
        store.add(job("small", null));
        String huge = "java.lang.IllegalStateException: " + "x".repeat(70 * 1024);

        assertThat(completeTogether(store, List.of("big", "small"), List.of(huge, "boom"))).containsExactly(true, true);

        String stored = store.get("big").orElseThrow().lastRun().error();
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

        assertThat(completeTogether(store, List.of("nul", "other"), List.of("bad\u0000byte \uD800alone", "fine")))
                .containsExactly(true, true);

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
        RunTicket ticket = store.beginRun(new RunRequest("large", T0, 1, true, store.get("large").orElseThrow()));
        assertThat(ticket).isNotNull();
        assertThat(store.completeRun(ticket, null)).isTrue();
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
