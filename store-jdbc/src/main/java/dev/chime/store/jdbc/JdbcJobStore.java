package dev.chime.store.jdbc;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.spi.RunEnd;
import dev.chime.spi.ClusterView;
import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
import dev.chime.spi.NodeStatus;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import dev.chime.store.jdbc.internal.CachedCounts;
import dev.chime.store.jdbc.internal.ClusterNode;
import dev.chime.store.jdbc.internal.ClusterReader;
import dev.chime.store.jdbc.internal.Database;
import dev.chime.store.jdbc.internal.Dialect;
import dev.chime.store.jdbc.internal.Schema;
import dev.chime.store.jdbc.internal.Sql;
import dev.chime.store.jdbc.internal.SqlJobStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The {@code jdbc} job store: jobs in PostgreSQL, MariaDB/MySQL or H2 (chosen from the connection's
 * metadata), shared by any number of scheduler nodes. Each node beats a heartbeat into the
 * database; a node silent for longer than the timeout is taken over by another, which runs its
 * in-flight recoverable firings again.
 *
 * <pre>{@code
 * JobStore store = JdbcJobStore.builder(dataSource).createSchema(true).build();
 * Scheduler scheduler = Scheduler.builder().store(store).build();
 * }</pre>
 */
public final class JdbcJobStore implements JobStore, ClusterView {

    private final SqlJobStore delegate;
    private final Dialect dialect;
    private final CachedCounts counts;
    private final ClusterReader cluster;

    private JdbcJobStore(SqlJobStore delegate, Dialect dialect, ClusterReader cluster) {
        this.delegate = delegate;
        this.dialect = dialect;
        this.cluster = cluster;
        this.counts = new CachedCounts(delegate::counts, System::nanoTime);
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** This node's id in the cluster: its name and a suffix unique to this start. */
    public String nodeId() {
        return delegate.node().id();
    }

    /** The database the store found: {@code postgresql}, {@code mariadb} or {@code h2}. */
    public String database() {
        return dialect.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * How long ago this node's last heartbeat succeeded (measured on this JVM's monotonic clock).
     * Beyond half the {@linkplain #nodeTimeout() node timeout} the node stops claiming until it
     * beats again, so a health check can compare the two.
     */
    public java.time.Duration sinceLastHeartbeat() {
        return delegate.node().sinceLastHeartbeat();
    }

    /** How long a node may stay silent before another node takes its work over. */
    public java.time.Duration nodeTimeout() {
        return delegate.node().timeout();
    }

    /** Every node sharing the tables, with its heartbeat age on the database's clock and the runs it holds. */
    @Override
    public List<NodeStatus> nodes() {
        try {
            return cluster.nodes();
        } catch (SQLException e) {
            throw new JdbcStoreException("could not read the cluster's nodes: " + e.getMessage(), e);
        }
    }

    /** How many dead nodes this node has taken over since it started. */
    public long takeovers() {
        return delegate.node().takeovers();
    }

    /** Many nodes may share the database: a job's task may be known only to another node. */
    @Override
    public boolean sharedWithOtherNodes() {
        return true;
    }

    @Override
    public boolean add(StoredJob job) {
        try {
            return delegate.add(job);
        } finally {
            counts.invalidate();
        }
    }

    @Override
    public void put(StoredJob job) {
        try {
            delegate.put(job);
        } finally {
            counts.invalidate();
        }
    }

    @Override
    public boolean remove(String jobId) {
        try {
            return delegate.remove(jobId);
        } finally {
            counts.invalidate();
        }
    }

    @Override
    public Optional<StoredJob> get(String jobId) {
        return delegate.get(jobId);
    }

    @Override
    public List<StoredJob> list() {
        return delegate.list();
    }

    @Override
    public boolean update(StoredJob job) {
        try {
            return delegate.update(job);
        } finally {
            counts.invalidate();
        }
    }

    @Override
    public List<Firing> claimDue(Instant now, int limit) {
        return delegate.claimDue(now, limit);
    }

    @Override
    public List<Firing> claimDue(Instant now, int limit, java.util.Set<String> tasks) {
        return delegate.claimDue(now, limit, tasks);
    }

    @Override
    public boolean release(Firing firing, Instant nextFireTime) {
        return delegate.release(firing, nextFireTime);
    }

    @Override
    public boolean removeClaimed(Firing firing) {
        try {
            return delegate.removeClaimed(firing);
        } finally {
            counts.invalidate();
        }
    }

    @Override
    public void recordOutcome(RunEnd end) {
        delegate.recordOutcome(end);
    }

    @Override
    public HistoryPage history(HistoryQuery query) {
        return delegate.history(query);
    }

    @Override
    public int pruneHistory(Instant finishedBefore, int keepPerJob, int limit) {
        return delegate.pruneHistory(finishedBefore, keepPerJob, limit);
    }

    @Override
    public RunTicket beginRun(RunRequest request) {
        return delegate.beginRun(request);
    }

    @Override
    public List<Dispatch.Result> dispatch(List<Dispatch> dispatches) {
        try {
            return delegate.dispatch(dispatches);
        } finally {
            if (dispatches.stream().anyMatch(Dispatch::removesJob)) {
                counts.invalidate();
            }
        }
    }

    @Override
    public boolean deferRun(RunTicket ticket, int attemptsMade, Instant retryAt) {
        return delegate.deferRun(ticket, attemptsMade, retryAt);
    }

    @Override
    public RunTicket advanceRun(RunTicket ticket, Instant fireTime, RunEnd end) {
        return delegate.advanceRun(ticket, fireTime, end);
    }

    @Override
    public boolean completeRun(RunTicket ticket, RunEnd end) {
        return delegate.completeRun(ticket, end);
    }

    @Override
    public java.util.concurrent.CompletionStage<Boolean> completeRunAsync(RunTicket ticket, RunEnd end) {
        return delegate.completeRunAsync(ticket, end);
    }

    /** Marks the job's runs in progress on any node; {@code true} when one was marked. */
    @Override
    public boolean requestCancel(String jobId) {
        return delegate.requestCancel(jobId);
    }

    /**
     * The jobs whose runs on this node were asked to stop, as this node's last heartbeat read them
     * (no round trip here); a run this node may no longer hold is left out.
     */
    @Override
    public java.util.Set<String> cancelRequests() {
        return delegate.cancelRequests();
    }

    /**
     * Whether the run is still this node's: asked by the engine just before every body and retry.
     * Forwarded like every other method: the interface's default (true, for a store of one node)
     * would let a node paused past its timeout start a run another node has taken over.
     */
    @Override
    public boolean holdsRun(RunTicket ticket) {
        return delegate.holdsRun(ticket);
    }

    /**
     * The number of jobs and of paused jobs, at most {@link CachedCounts#MAX_AGE} (1 s) old: a
     * health check or metrics scrape does not count the table each time. This node's own adds,
     * removals and pauses show at once.
     */
    @Override
    public JobCounts counts() {
        return counts.get();
    }

    @Override
    public Optional<Instant> nextDueTime() {
        return delegate.nextDueTime();
    }

    @Override
    public Optional<Instant> nextDueTime(java.util.Set<String> tasks) {
        return delegate.nextDueTime(tasks);
    }

    /**
     * The database's clock, measured at every heartbeat (the midpoint of a round trip) and carried
     * forward on the monotonic clock: every node of the cluster judges due-ness by it.
     */
    @Override
    public java.time.Clock clusterClock(java.time.Clock local) {
        return delegate.node().databaseClock(local);
    }

    /** Leaves the cluster (others take over what is left at once) and stops retrying. */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "JdbcJobStore{" + database() + ", node=" + nodeId() + '}';
    }

    /** Settings of a JDBC store; every one has a default but the data source. */
    public static final class Builder {

        private final DataSource dataSource;
        private String tablePrefix = "chime_";
        private boolean createSchema;
        private String nodeName;
        private Duration heartbeatInterval = Duration.ofSeconds(5);
        private Duration nodeTimeout = Duration.ofSeconds(30);
        private Duration writeRetryLimit = Duration.ofSeconds(30);

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** The prefix of the three table names (default {@code chime_}); a plain SQL identifier. */
        public Builder tablePrefix(String tablePrefix) {
            this.tablePrefix = Sql.validatePrefix(tablePrefix);
            return this;
        }

        /** Creates the tables on start if they are missing (default false: a DBA runs the shipped script). */
        public Builder createSchema(boolean createSchema) {
            this.createSchema = createSchema;
            return this;
        }

        /** This node's name (default: the host name); a random suffix makes each start's id unique. */
        public Builder nodeName(String nodeName) {
            this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
            return this;
        }

        /** How often this node beats (default 5 s). */
        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = positive(heartbeatInterval, "heartbeat interval");
            return this;
        }

        /**
         * How long a node may stay silent, by the database's clock, before another takes its work
         * over (default 30 s). Must be at least three heartbeat intervals.
         */
        public Builder nodeTimeout(Duration nodeTimeout) {
            this.nodeTimeout = positive(nodeTimeout, "node timeout");
            return this;
        }

        /**
         * How long the application's own writes ({@code Scheduler.add}, {@code addOrReplace}) keep
         * retrying while the database cannot be reached before they fail with a
         * {@link JdbcStoreException} (default 30 s). The engine's writes (releases, outcomes, run
         * records) retry until the database answers, so that no firing is lost or left claimed.
         */
        public Builder writeRetryLimit(Duration writeRetryLimit) {
            this.writeRetryLimit = positive(writeRetryLimit, "write retry limit");
            return this;
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }

        /** Connects, checks (or creates) the schema and joins the cluster. */
        public JdbcJobStore build() {
            if (nodeTimeout.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
                throw new IllegalArgumentException("node timeout " + nodeTimeout + " must be at least three heartbeat intervals ("
                        + heartbeatInterval.multipliedBy(3) + "), or a slow heartbeat would look like a dead node");
            }
            Dialect dialect = Database.detect(dataSource);
            // Half the node timeout: a node frozen inside a transaction holds its locks no longer
            // than that, so the others' takeover of it (which waits on them, on their heartbeat
            // thread) ends before they look dead themselves. A quarter aborted too many healthy
            // transactions on a machine at load 17 (threads starved between two statements).
            Database db = new Database(dataSource, dialect, nodeTimeout.dividedBy(2));
            Sql sql = new Sql(tablePrefix, dialect);
            String id = (nodeName != null ? nodeName : hostName()) + "-" + UUID.randomUUID().toString().substring(0, 8);
            ClusterNode node = new ClusterNode(db, sql, id, heartbeatInterval, nodeTimeout);
            try {
                if (createSchema) {
                    Schema.create(db, tablePrefix);
                }
                Schema.check(db, sql);
                node.start();
                db.checkBatchCounts(sql, id);
            } catch (SQLException e) {
                node.close();
                throw new JdbcStoreException("the JDBC store could not start on " + dialect.name().toLowerCase(java.util.Locale.ROOT)
                        + ": " + e.getMessage(), e);
            }
            return new JdbcJobStore(new SqlJobStore(db, sql, node, writeRetryLimit), dialect, new ClusterReader(db, sql, id));
        }

        private static String hostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "node";
            }
        }
    }
}
