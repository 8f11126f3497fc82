package dev.chime.demo;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar chime-demo.jar [--port 8080] [--jdbc-url ...] [--schedule file.json] [--token ...]}:
 * runs until SIGTERM or Ctrl-C, then stops gracefully.
 */
public final class DemoApp {

    private static final Logger LOG = LoggerFactory.getLogger(DemoApp.class);

    /** How long running jobs get to finish when the app is told to stop. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

    private DemoApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (DemoSettings.wantsHelp(args)) {
            System.out.print(DemoSettings.USAGE);
            return;
        }
        DemoSettings settings;
        try {
            settings = DemoSettings.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("chime-demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        DemoServer server;
        try {
            server = DemoServer.start(settings, SHUTDOWN_GRACE);
        } catch (RuntimeException e) {
            LOG.error("cannot start: {}", e.getMessage());
            LOG.debug("start failure", e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and Ctrl-C run the shutdown hooks: stop firing, let running jobs finish.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "chime-demo-shutdown"));
        stopped.await();
    }
}
