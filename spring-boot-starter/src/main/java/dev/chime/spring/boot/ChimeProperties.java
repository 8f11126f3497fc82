package dev.chime.spring.boot;

import dev.chime.Declarations;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Chime's settings under {@code chime.*}. Every one has a default; IDEs complete them from the
 * configuration metadata this module ships. Bound once at start; not meant to be changed afterwards.
 */
@ConfigurationProperties("chime")
public class ChimeProperties {

    /**
     * The job store: "jdbc", "memory", or the name of another store provider. By default "jdbc" on the
     * application's DataSource when there is one, "memory" otherwise. A JobStore bean overrides this.
     */
    private String store;

    /** Threads of the executor that runs jobs. */
    private int threads = 10;

    /** How often the dispatcher looks at the store even when nothing is due (changes made by other nodes). */
    private Duration pollInterval = Duration.ofMillis(500);

    /** Whether the scheduler starts with the application context. */
    private boolean autoStartup = true;

    /** How long running jobs get to finish when the application shuts down; keep it below spring.lifecycle.timeout-per-shutdown-phase. */
    private Duration shutdownGracePeriod = Duration.ofSeconds(20);

    /** The prefix of the jdbc store's table names; a plain SQL identifier. */
    private String tablePrefix = "chime_";

    /** Whether the jdbc store creates its tables on start when they are missing. */
    private boolean createSchema = true;

    /** This node's name in a jdbc cluster; by default the host name. A random suffix makes each start's id unique. */
    private String nodeName;

    /** How often this node beats its heartbeat into the jdbc store. */
    private Duration heartbeatInterval = Duration.ofSeconds(5);

    /** How long a node may stay silent, by the database's clock, before another takes its work over; at least three heartbeats. */
    private Duration nodeTimeout = Duration.ofSeconds(30);

    /** Whether job meters carry a "job" tag (turn off with very many one-shot jobs). */
    private boolean metricsJobTag = true;

    /** A JSON schedule file declared at start, as a Spring resource location, e.g. "classpath:schedule.json". */
    private String scheduleFile;

    private final DeclarationsProperties declarations = new DeclarationsProperties();

    private final HistoryProperties history = new HistoryProperties();

    /** How much run history is kept (Scheduler.history). */
    public static class HistoryProperties {

        /** Runs that finished longer ago than this are deleted. */
        private Duration maxAge = Duration.ofDays(7);

        /** At most this many of each job's newest runs are kept. */
        private int maxPerJob = 1_000;

        public Duration getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        public int getMaxPerJob() {
            return maxPerJob;
        }

        public void setMaxPerJob(int maxPerJob) {
            this.maxPerJob = maxPerJob;
        }
    }

    public HistoryProperties getHistory() {
        return history;
    }

    /** How declared jobs (annotations, schedule file) follow the code. */
    public static class DeclarationsProperties {

        /** The version of this code's declarations; in a rolling deploy the newest version's declarations win. */
        private String version = "0";

        /** The name of this application's declarations, for applications sharing one store. */
        private String group = "default";

        /** What happens to a job an earlier start declared and this one no longer does. */
        private Declarations.StaleJobs staleJobs = Declarations.StaleJobs.REMOVE;

        public String getVersion() {
            return version;
        }

        public void setVersion(String version) {
            this.version = version;
        }

        public String getGroup() {
            return group;
        }

        public void setGroup(String group) {
            this.group = group;
        }

        public Declarations.StaleJobs getStaleJobs() {
            return staleJobs;
        }

        public void setStaleJobs(Declarations.StaleJobs staleJobs) {
            this.staleJobs = staleJobs;
        }
    }

    public String getStore() {
        return store;
    }

    public void setStore(String store) {
        this.store = store;
    }

    public int getThreads() {
        return threads;
    }

    public void setThreads(int threads) {
        this.threads = threads;
    }

    public Duration getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    public boolean isAutoStartup() {
        return autoStartup;
    }

    public void setAutoStartup(boolean autoStartup) {
        this.autoStartup = autoStartup;
    }

    public Duration getShutdownGracePeriod() {
        return shutdownGracePeriod;
    }

    public void setShutdownGracePeriod(Duration shutdownGracePeriod) {
        this.shutdownGracePeriod = shutdownGracePeriod;
    }

    public String getTablePrefix() {
        return tablePrefix;
    }

    public void setTablePrefix(String tablePrefix) {
        this.tablePrefix = tablePrefix;
    }

    public boolean isCreateSchema() {
        return createSchema;
    }

    public void setCreateSchema(boolean createSchema) {
        this.createSchema = createSchema;
    }

    public String getNodeName() {
        return nodeName;
    }

    public void setNodeName(String nodeName) {
        this.nodeName = nodeName;
    }

    public Duration getHeartbeatInterval() {
        return heartbeatInterval;
    }

    public void setHeartbeatInterval(Duration heartbeatInterval) {
        this.heartbeatInterval = heartbeatInterval;
    }

    public Duration getNodeTimeout() {
        return nodeTimeout;
    }

    public void setNodeTimeout(Duration nodeTimeout) {
        this.nodeTimeout = nodeTimeout;
    }

    public boolean isMetricsJobTag() {
        return metricsJobTag;
    }

    public void setMetricsJobTag(boolean metricsJobTag) {
        this.metricsJobTag = metricsJobTag;
    }

    public String getScheduleFile() {
        return scheduleFile;
    }

    public void setScheduleFile(String scheduleFile) {
        this.scheduleFile = scheduleFile;
    }

    public DeclarationsProperties getDeclarations() {
        return declarations;
    }
}
