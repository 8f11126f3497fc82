package dev.chime.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the node JVMs of the clustered harnesses: the harness's own class path, a small heap, logging at
 * error, output to this console. Each node is a separate JVM, as a cluster's nodes are separate machines.
 */
final class NodeJvms {

    private NodeJvms() {
    }

    /** Starts {@code main} with {@code args}; its standard input stays a pipe the caller may use to tell it to stop. */
    static Process start(Class<?> main, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xms128m", "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                "-cp", System.getProperty("java.class.path")));
        // Experiment switches (such as chime.claimAheadMs) given to the harness reach its nodes too.
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("chime."))
                .sorted().forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Waits for every node to exit with 0 within {@code timeoutMillis}, or kills them all and says which harness failed. */
    static void awaitExit(List<Process> nodes, long timeoutMillis, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (Process p : nodes) {
            if (!p.waitFor(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                nodes.forEach(Process::destroyForcibly);
                throw new IllegalStateException(what + ": a node JVM failed or did not stop; see its output above");
            }
        }
    }
}
