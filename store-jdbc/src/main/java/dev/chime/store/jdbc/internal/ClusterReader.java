package dev.chime.store.jdbc.internal;

import dev.chime.spi.NodeStatus;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the nodes table and the runs table for {@link dev.chime.spi.ClusterView}: two plain reads
 * in one auto-commit connection, never retried (an operator's page can ask again). The heartbeat
 * age is computed by the database, on its clock, the one the nodes compare heartbeats on.
 */
public final class ClusterReader {

    private final Database db;
    private final Sql sql;
    private final String selfId;

    public ClusterReader(Database db, Sql sql, String selfId) {
        this.db = db;
        this.sql = sql;
        this.selfId = selfId;
    }

    public List<NodeStatus> nodes() throws SQLException {
        return db.autoCommit(c -> {
            Map<String, Duration> ages = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(sql.nodeHeartbeats); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ages.put(rs.getString(1), Duration.ofMillis(Math.max(0, rs.getLong(2))));
                }
            }
            Map<String, List<NodeStatus.Run>> runs = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(sql.allRuns); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    runs.computeIfAbsent(rs.getString(1), n -> new ArrayList<>()).add(new NodeStatus.Run(rs.getString(2),
                            Sql.fromNanos(rs.getLong(3)), Instant.ofEpochMilli(rs.getLong(4))));
                }
            }
            List<NodeStatus> nodes = new ArrayList<>();
            ages.forEach((id, age) -> nodes.add(new NodeStatus(id, id.equals(selfId), age, runs.getOrDefault(id, List.of()))));
            // Runs of a node already gone from the nodes table wait for a takeover: show them too.
            runs.forEach((id, held) -> {
                if (!ages.containsKey(id)) {
                    nodes.add(new NodeStatus(id, false, Duration.ZERO, held));
                }
            });
            return nodes;
        });
    }
}
