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
 * {@code CHIME_TEST_MARIADB_URL}, or run on fewer with {@code CHIME_TEST_DATABASES=h2}. A database
 * in the list that cannot be reached fails the tests: CI must not pass by skipping them.
 */
public enum TestDatabase {

    H2("jdbc:h2:mem:chime;DB_CLOSE_DELAY=-1"),
    POSTGRESQL("jdbc:postgresql://127.0.0.1:5432/test?user=postgres"),
    MARIADB("jdbc:mariadb://127.0.0.1:3306/test?user=root");

    private static final Map<TestDatabase, HikariDataSource> POOLS = new ConcurrentHashMap<>();
    private final String defaultUrl;

    TestDatabase(String defaultUrl) {
        this.defaultUrl = defaultUrl;
    }

    public String url() {
        String env = System.getenv("CHIME_TEST_" + name() + "_URL");
        return env == null || env.isBlank() ? defaultUrl : env;
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

    /** Drops the three tables of a prefix. */
    public static void drop(DataSource dataSource, String prefix) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("jobs", "runs", "nodes")) {
                s.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
    }
}
