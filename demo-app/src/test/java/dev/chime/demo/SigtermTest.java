package dev.chime.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app in its own JVM, stopped with SIGTERM while a job runs: the job finishes, then the app exits. */
class SigtermTest {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsFiringAndLetsTheRunningJobFinish() throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        // The log level is given: the test classpath may carry another module's simplelogger.properties.
        Process app = new ProcessBuilder(javaBin, "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp",
                System.getProperty("java.class.path"), DemoApp.class.getName(),
                "--port", "0", "--token", "tok", "--jdbc-url", "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath())
                .redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        reader.start();
        try {
            Pattern listening = Pattern.compile("Chime demo on http://localhost:(\\d+)/");
            await().atMost(Duration.ofSeconds(60)).until(() -> lines.stream().anyMatch(l -> listening.matcher(l).find()));
            Matcher m = lines.stream().map(listening::matcher).filter(Matcher::find).findFirst().orElseThrow();
            Api api = new Api(Integer.parseInt(m.group(1)), "tok");
            assertThat(api.call("POST", "/jobs", "{\"id\": \"long\", \"task\": \"sleep\", \"trigger\": \"interval:PT1H\", "
                    + "\"data\": {\"millis\": 2000}}").status()).isEqualTo(201);
            api.call("POST", "/jobs/long/run", null);
            await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("job 'long' working for")));

            // SIGTERM, through the handle: Process.destroy() would also close our end of its output.
            assertThat(app.toHandle().destroy()).isTrue();
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
            reader.join(10_000);
            String log = String.join("\n", lines);
            assertThat(log).contains("job 'long' finished its work after PT2S");
            assertThat(log.indexOf("job 'long' finished its work")).isLessThan(log.indexOf("Chime demo stopped"));
        } finally {
            app.destroyForcibly();
        }
    }
}
