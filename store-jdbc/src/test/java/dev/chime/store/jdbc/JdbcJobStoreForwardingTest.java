package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.JobStore;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link JdbcJobStore} is what users and the engine hold; the cluster protocol lives behind it.
 * A method of {@link JobStore} it does not forward falls back to the interface's default, which is
 * meant for a store of one node, silently: that is how the check before every body came to say yes
 * without asking the database.
 */
class JdbcJobStoreForwardingTest {

    @Test
    void everyMethodOfTheStoreInterfaceIsImplementedNotLeftToItsSingleNodeDefault() {
        List<String> inherited = Arrays.stream(JobStore.class.getMethods())
                .filter(m -> !declares(JdbcJobStore.class, m))
                .map(Method::getName)
                .toList();
        assertThat(inherited).as("JobStore methods JdbcJobStore leaves to the interface").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRunThatIsNoLongerTheNodesIsNotHeld(TestDatabase db) throws Exception {
        DataSource ds = db.dataSource();
        String prefix = TestDatabase.freshPrefix();
        Instant due = Instant.parse("2026-01-01T00:00:00Z");
        try (JdbcJobStore store = JdbcJobStore.builder(ds).tablePrefix(prefix).createSchema(true).nodeName("a").build()) {
            store.add(new StoredJob("j", "task", "interval:PT1S", "{}", null, false, due, null, null, 0));
            Firing claimed = store.claimDue(due, 10).get(0);
            RunTicket ticket = store.dispatch(List.of(new Dispatch(claimed,
                    new RunRequest("j", due, 1, true, null), due.plusSeconds(60)))).get(0).ticket();
            assertThat(store.holdsRun(ticket)).isTrue();

            assertThat(store.completeRun(ticket, null)).isTrue();

            assertThat(store.holdsRun(ticket)).as("a run this node ended").isFalse();
        } finally {
            TestDatabase.drop(ds, prefix);
        }
    }

    private static boolean declares(Class<?> type, Method m) {
        try {
            type.getDeclaredMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
