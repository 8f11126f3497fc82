package dev.chime.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.NodeStatus;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The JDBC store as a ClusterView: every node sharing the tables, its heartbeat age, and the runs it holds. */
class JdbcClusterViewTest {

    private DataSource dataSource;
    private String prefix;
    private JdbcJobStore a;
    private JdbcJobStore b;

    @AfterEach
    void tearDown() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (dataSource != null) {
            TestDatabase.drop(dataSource, prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void twoNodesShowEachOtherWithTheirHeartbeatAgesAndTheRunsEachHolds(TestDatabase db) {
        dataSource = db.dataSource();
        prefix = TestDatabase.freshPrefix();
        a = JdbcJobStore.builder(dataSource).tablePrefix(prefix).createSchema(true).nodeName("a").build();
        b = JdbcJobStore.builder(dataSource).tablePrefix(prefix).nodeName("b").build();
        Instant fire = Instant.parse("2026-03-01T10:00:00Z");
        a.add(new StoredJob("report", "t", "interval:PT1H", "{}", null, false, fire, null, null, 0));
        RunTicket ticket = Runs.claimAndStart(a, fire, fire.plusSeconds(3600));

        List<NodeStatus> seenByB = b.nodes();
        Map<String, NodeStatus> byId = seenByB.stream().collect(Collectors.toMap(NodeStatus::nodeId, n -> n));
        assertThat(byId).containsOnlyKeys(a.nodeId(), b.nodeId());
        assertThat(byId.get(b.nodeId()).self()).isTrue();
        assertThat(byId.get(a.nodeId()).self()).isFalse();
        assertThat(byId.get(a.nodeId()).heartbeatAge()).isBetween(Duration.ZERO, Duration.ofMinutes(1));
        assertThat(byId.get(a.nodeId()).running()).extracting(NodeStatus.Run::jobId, NodeStatus.Run::fireTime)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("report", fire));
        assertThat(byId.get(a.nodeId()).running().get(0).startedAt()).isNotNull();
        assertThat(byId.get(b.nodeId()).running()).isEmpty();

        assertThat(Runs.succeed(a, ticket, fire.plusSeconds(1), null).recorded()).isTrue();
        assertThat(b.nodes()).allSatisfy(n -> assertThat(n.running()).isEmpty());
    }
}
