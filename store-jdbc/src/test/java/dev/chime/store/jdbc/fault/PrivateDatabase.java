package dev.chime.store.jdbc.fault;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A database server of the suite's own, in a temporary directory on a free port, for the scenario
 * that restarts the database: the machine's shared servers are never stopped (others run tests on
 * them). A restart is a crash (PostgreSQL's immediate stop, SIGKILL for MariaDB), so the server
 * recovers from its log as after a power cut of the process; {@link #close} removes it all.
 *
 * <p>Not thread-safe: one scenario drives it.
 */
abstract class PrivateDatabase implements AutoCloseable {

    protected final Path dir;
    protected final int port;

    private PrivateDatabase(String name) throws IOException {
        this.dir = Files.createTempDirectory("chime-fault-" + name);
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
    }

    abstract String url();

    /** Where to knock to see whether the server is up (a database of the server's own). */
    protected String readyUrl() {
        return url();
    }

    protected abstract void startServer() throws IOException, InterruptedException;

    protected abstract void crashServer() throws IOException, InterruptedException;

    /** Crashes the server and starts it again; returns once it accepts connections. */
    void restart() throws Exception {
        crashServer();
        startServer();
        awaitReady();
    }

    protected void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection c = DriverManager.getConnection(readyUrl())) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("private database did not accept connections within 60 s; see " + dir, e);
                }
                new CountDownLatch(1).await(100, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * The restart scenario starts a server of its own from the machine's installation. A laptop
     * with only a JDK (the other scenarios run on an embedded server there) skips it and says why;
     * with {@code CI=true} a missing server fails, so CI cannot pass without the scenario.
     */
    private static void assumeInstalled(String what, boolean installed) {
        if (!installed && !"true".equalsIgnoreCase(System.getenv("CI"))) {
            Assumptions.assumeTrue(false, "the database restart scenario needs " + what + ", which is not installed here");
        }
    }

    protected static void run(List<String> command, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed; see " + log);
        }
    }

    protected void deleteDir() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** PostgreSQL from {@code /usr/lib/postgresql/<newest>/bin}, run as the {@code postgres} user when started as root (initdb refuses root). */
    static PrivateDatabase postgresql() throws Exception {
        assumeInstalled("PostgreSQL's server (pg_ctl under /usr/lib/postgresql/<version>/bin)", Postgres.installed());
        Postgres db = new Postgres();
        try {
            db.init();
            db.startServer();
            db.awaitReady();
            return db;
        } catch (Exception | Error e) {
            db.close();
            throw e;
        }
    }

    /** MariaDB from {@code /usr/sbin/mariadbd} with its own datadir, port and socket. */
    static PrivateDatabase mariadb() throws Exception {
        assumeInstalled("MariaDB's server (/usr/sbin/mariadbd)", Files.isExecutable(Path.of("/usr/sbin/mariadbd")));
        Mariadb db = new Mariadb();
        try {
            db.init();
            db.startServer();
            db.awaitReady();
            try (Connection c = DriverManager.getConnection(db.readyUrl());
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE IF NOT EXISTS test");
            }
            return db;
        } catch (Exception | Error e) {
            db.close();
            throw e;
        }
    }

    private static final class Postgres extends PrivateDatabase {
        private final Path bin;
        private final boolean asRoot;

        static boolean installed() {
            try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
                return versions.anyMatch(v -> Files.isExecutable(v.resolve("bin").resolve("pg_ctl")));
            } catch (IOException e) {
                return false;
            }
        }

        Postgres() throws IOException {
            super("pg");
            try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
                this.bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())))
                        .orElseThrow(() -> new IllegalStateException("no PostgreSQL under /usr/lib/postgresql"));
            }
            this.asRoot = "root".equals(System.getProperty("user.name"));
        }

        private List<String> as(String... command) {
            List<String> all = new ArrayList<>();
            if (asRoot) {
                all.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            all.addAll(List.of(command));
            return all;
        }

        void init() throws IOException, InterruptedException {
            if (asRoot) {
                run(List.of("chown", "postgres:", dir.toString()), dir.resolve("setup.log"));
            }
            run(as(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--no-sync"), dir.resolve("setup.log"));
        }

        @Override
        String url() {
            return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
        }

        @Override
        protected void startServer() throws IOException, InterruptedException {
            run(as(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(),
                    "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off "
                            + "-c max_connections=200 -c shared_buffers=32MB", "start"), dir.resolve("setup.log"));
        }

        @Override
        protected void crashServer() throws IOException, InterruptedException {
            run(as(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"),
                    dir.resolve("setup.log"));
        }

        @Override
        public void close() throws Exception {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
                crashServer();
            }
            deleteDir();
        }
    }

    private static final class Mariadb extends PrivateDatabase {
        private Process server;

        Mariadb() throws IOException {
            super("mariadb");
        }

        void init() throws IOException, InterruptedException {
            run(List.of("mariadb-install-db", "--no-defaults", "--datadir=" + dir.resolve("data"), "--user=" + System.getProperty("user.name"),
                    "--auth-root-authentication-method=normal", "--skip-test-db"), dir.resolve("setup.log"));
        }

        @Override
        String url() {
            return "jdbc:mariadb://127.0.0.1:" + port + "/test?user=root";
        }

        @Override
        protected String readyUrl() {
            return "jdbc:mariadb://127.0.0.1:" + port + "/?user=root";
        }

        @Override
        protected void startServer() throws IOException {
            server = new ProcessBuilder("/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + dir.resolve("data"), "--port=" + port,
                    "--socket=" + dir.resolve("mariadb.sock"), "--pid-file=" + dir.resolve("mariadb.pid"), "--bind-address=127.0.0.1",
                    "--user=" + System.getProperty("user.name"), "--skip-grant-tables", "--skip-log-bin", "--max-connections=300",
                    "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=2")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile())).start();
        }

        @Override
        protected void crashServer() throws InterruptedException {
            server.destroyForcibly();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("private MariaDB survived SIGKILL");
            }
        }

        @Override
        public void close() throws Exception {
            if (server != null && server.isAlive()) {
                crashServer();
            }
            deleteDir();
        }
    }
}
