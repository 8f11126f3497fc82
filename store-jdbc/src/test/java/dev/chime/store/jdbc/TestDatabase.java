package dev.chime.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;

/**
 * The databases the JDBC tests run on. Defaults are the machine's PostgreSQL and MariaDB and an
 * in-memory H2; point them elsewhere with {@code CHIME_TEST_POSTGRESQL_URL} and
 * {@code CHIME_TEST_MARIADB_URL}, or run on fewer with {@code CHIME_TEST_DATABASES=h2}.
 *
 * <p>When a database is not configured and nothing answers on its default port (a laptop with
 * only a JDK), an embedded server from Maven Central is started instead ({@link EmbeddedDatabase})
 * and the log says so. With {@code CI=true} there is no fallback: a listed database that cannot be
 * reached fails the tests, so CI cannot pass by testing something else. The port probed can be
 * moved with {@code CHIME_TEST_POSTGRESQL_PROBE_PORT} / {@code CHIME_TEST_MARIADB_PROBE_PORT}, to
 * check the fallback on a machine whose servers must keep running.
 */
public enum TestDatabase {

    H2("jdbc:h2:mem:chime;DB_CLOSE_DELAY=-1", null, 0),
    POSTGRESQL("jdbc:postgresql://127.0.0.1:5432/test?user=postgres", "127.0.0.1", 5432),
    MARIADB("jdbc:mariadb://127.0.0.1:3306/test?user=root", "127.0.0.1", 3306);

    private static final Map<TestDatabase, HikariDataSource> POOLS = new ConcurrentHashMap<>();
    private static final Map<TestDatabase, String> URLS = new ConcurrentHashMap<>();
    private final String defaultUrl;
    private final String host;
    private final int port;

    TestDatabase(String defaultUrl, String host, int port) {
        this.defaultUrl = defaultUrl;
        this.host = host;
        this.port = port;
    }

    public String url() {
        String env = System.getenv("CHIME_TEST_" + name() + "_URL");
        if (env != null && !env.isBlank()) {
            return env;
        }
        return host == null ? defaultUrl : URLS.computeIfAbsent(this, TestDatabase::defaultOrEmbedded);
    }

    /** True when this database runs embedded in the test JVM (no server on the machine). */
    public boolean embedded() {
        return host != null && !url().equals(defaultUrl) && System.getenv("CHIME_TEST_" + name() + "_URL") == null;
    }

    private String defaultOrEmbedded() {
        String probe = System.getenv("CHIME_TEST_" + name() + "_PROBE_PORT");
        int probed = probe == null || probe.isBlank() ? port : Integer.parseInt(probe.trim());
        if (EmbeddedDatabase.listening(host, probed) || "true".equalsIgnoreCase(System.getenv("CI"))) {
            return defaultUrl;
        }
        String why = "CHIME_TEST_" + name() + "_URL is not set and nothing listens on " + host + ":" + probed;
        return this == POSTGRESQL ? EmbeddedDatabase.postgres(why) : EmbeddedDatabase.mariadb(why);
    }

    /** Skips the calling test when this database is left out with CHIME_TEST_DATABASES. */
    public void assumeEnabled() {
        String list = System.getenv("CHIME_TEST_DATABASES");
        if (list != null && !list.isBlank()) {
            List<String> enabled = Arrays.stream(list.split(",")).map(s -> s.trim().toUpperCase(Locale.ROOT)).toList();
            Assumptions.assumeTrue(enabled.contains(name()), name() + " is not in CHIME_TEST_DATABASES=" + list);
        }
    }

    /** A shared pool on this database. */
    public DataSource dataSource() {
        assumeEnabled();
        return POOLS.computeIfAbsent(this, db -> db.newPool(24));
    }

    public HikariDataSource newPool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(10_000);
        config.setPoolName("test-" + name().toLowerCase(Locale.ROOT));
        return new HikariDataSource(config);
    }

    /** A table prefix no other test uses. */
    public static String freshPrefix() {
        return "t" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) + "_";
    }

    /** The first column of the first row of {@code sql}, as a number (a count, say). */
    public static long count(DataSource dataSource, String sql) throws SQLException {
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The first column of every row of {@code sql}, as text. */
    public static java.util.List<String> strings(DataSource dataSource, String sql) throws SQLException {
        java.util.List<String> all = new java.util.ArrayList<>();
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                all.add(rs.getString(1));
            }
        }
        return all;
    }

    /** Drops the three tables of a prefix. */
    public static void drop(DataSource dataSource, String prefix) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("jobs", "runs", "nodes", "history", "leases", "schema_version")) {
                s.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
    }
}
