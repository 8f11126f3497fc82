package dev.chime.store.jdbc.fault;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link FaultNode} in its own JVM, and the faults the suite does to it: SIGSTOP and SIGCONT
 * ({@code kill -STOP}/{@code -CONT} on its pid), SIGKILL, and a clean stop. Its standard error goes
 * to {@code target/fault-logs/<prefix><name>.log}.
 *
 * <p>Not thread-safe: one scenario drives it.
 */
final class NodeJvm implements AutoCloseable {

    /** How one node is started. */
    record Settings(String name, Duration skew, double failureRate, Duration nodeTimeout) {
    }

    final String name;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Path log;

    private NodeJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Starts the JVMs together (they share two cores: starting them one by one costs seconds) and waits until each is ready. */
    static List<NodeJvm> start(String url, String prefix, List<Settings> nodes) throws IOException {
        Path logs = Path.of("target", "fault-logs");
        Files.createDirectories(logs);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<NodeJvm> started = new ArrayList<>();
        for (Settings s : nodes) {
            Path log = logs.resolve(prefix + s.name() + ".log");
            // A small heap, one GC thread and C1 only: three of these share two cores with the database.
            Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "-Xmx192m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-Dorg.slf4j.simpleLogger.showDateTime=true", FaultNode.class.getName(), url, prefix, s.name(),
                    Long.toString(s.skew().toMillis()), Double.toString(s.failureRate()), Long.toString(s.nodeTimeout().toMillis()))
                    .redirectError(log.toFile()).start();
            started.add(new NodeJvm(s.name(), p, log));
        }
        for (NodeJvm node : started) {
            String ready = node.out.readLine();
            if (ready == null || !ready.startsWith("READY ")) {
                started.forEach(NodeJvm::close);
                throw new IllegalStateException("node " + node.name + " did not start (" + ready + "); see " + node.log);
            }
        }
        return started;
    }

    long pid() {
        return process.pid();
    }

    /** Freezes the JVM: every thread stops where it is, its heartbeat too. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** SIGKILL: the JVM dies at once, in whatever it was doing. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("node " + name + " survived SIGKILL");
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Asks the node to shut down; {@link #awaitStopped} waits for it. */
    void requestStop() throws IOException {
        in.write("stop\n");
        in.flush();
    }

    /** Waits for a clean stop; answers the node's last line (the store's injected failures: connect, before, after commit). */
    String awaitStopped(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("node " + name + " did not stop within " + timeout + "; see " + log);
        }
        String last = null;
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            last = line;
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("node " + name + " exited with " + process.exitValue() + "; see " + log);
        }
        return last;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                resume(); // SIGKILL works on a frozen JVM too; resuming first just leaves nothing stopped if it fails
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | IllegalStateException e) {
                // it is killed next regardless
            }
            process.destroyForcibly();
        }
    }
}
