package dev.chime.console.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chime.ChimeEvent;
import dev.chime.JobEvent;
import dev.chime.SchedulerEvent;
import dev.chime.SchedulerListener;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's events as server-sent events, so the dashboard updates the one row an event is
 * about instead of reloading the job list. Each stream has its own bounded queue: a slow reader
 * loses its stream (it is told to reload) rather than holding events in memory or slowing the
 * scheduler, whose listener call only offers to the queues. Claims and submissions (two per run)
 * are not sent as {@code chime} frames; {@link ExecutionWatch} sends the executions they change as
 * {@code execution} frames. At most {@code maxStreams} streams at once. Thread-safe.
 */
final class EventStream implements SchedulerListener {

    private static final int QUEUE = 256;
    private static final String OVERFLOW = "event: overflow\ndata: {}\n\n";

    private final ObjectMapper mapper;
    private final int maxStreams;
    private final Duration keepAlive;
    private final Set<BlockingQueue<String>> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    EventStream(ObjectMapper mapper, int maxStreams, Duration keepAlive) {
        this.mapper = mapper;
        this.maxStreams = maxStreams;
        this.keepAlive = keepAlive;
    }

    @Override
    public void onEvent(ChimeEvent event) {
        if (event instanceof JobEvent.Claimed || event instanceof JobEvent.Submitted || streams.isEmpty()) {
            return;
        }
        broadcast("chime", json(event));
    }

    boolean hasStreams() {
        return !streams.isEmpty();
    }

    /** Sends one frame of this kind to every open stream; {@code json} is one line. */
    void broadcast(String kind, String json) {
        String frame = "event: " + kind + "\ndata: " + json + "\n\n";
        for (BlockingQueue<String> queue : streams) {
            if (!queue.offer(frame)) {
                queue.clear();
                queue.offer(OVERFLOW);
            }
        }
    }

    /** Serves one stream on the calling thread until the client goes, the queue overflows, or {@link #close()}. */
    void serve(Exchange ex) throws IOException {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
        synchronized (streams) {
            if (streams.size() >= maxStreams) {
                throw new HttpError(429, "too many event streams open (" + maxStreams + "); close one and try again");
            }
            streams.add(queue);
        }
        try (OutputStream out = ex.stream(200, "text/event-stream; charset=utf-8")) {
            write(out, ": connected\nretry: 3000\n\n");
            while (!closed) {
                String frame = queue.poll(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                // A comment line keeps proxies from closing an idle stream, and finds a client gone.
                write(out, frame == null ? ": keep-alive\n\n" : frame);
                if (OVERFLOW.equals(frame)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.remove(queue);
        }
    }

    int open() {
        return streams.size();
    }

    void close() {
        closed = true;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The event's kind, job and time; an error as its message only (no stack trace, no class internals). */
    private String json(ChimeEvent event) {
        ObjectNode node = mapper.createObjectNode();
        node.put("type", event.getClass().getSimpleName());
        node.put("time", event.time().toString());
        if (event instanceof JobEvent je) {
            node.put("jobId", je.jobId());
        }
        if (event instanceof SchedulerEvent) {
            node.put("scheduler", true);
        }
        if (event instanceof JobEvent.Failed f) {
            node.put("attempt", f.attempt());
            node.put("willRetry", f.willRetry());
            node.put("error", String.valueOf(f.error().getMessage()));
        }
        return node.toString();
    }
}
