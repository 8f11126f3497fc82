package dev.chime.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The console on its own port (the JDK's HttpServer): loopback, Host check, slow clients. */
class StandaloneConsoleTest extends ConsoleContract {

    private ConsoleServer server;

    @Override
    protected String serve(Console console) {
        server = ConsoleServer.builder(console).start();
        return "http://localhost:" + server.port() + "/";
    }

    @Override
    protected void stop() {
        server.close();
    }

    @Test
    void bindsToLoopbackUnlessToldOtherwise() {
        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void aHostHeaderOtherThanLoopbackIsRefusedAgainstDnsRebinding() {
        HttpRequest.Builder rebound = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/jobs"))
                .header("Authorization", "Bearer " + ADMIN);
        // The JDK client will not set Host itself; a raw socket shows what a rebinding page would send.
        assertThat(rawStatus("GET /api/jobs HTTP/1.1\r\nHost: evil.example:" + server.port() + "\r\nAuthorization: Bearer "
                + ADMIN + "\r\nConnection: close\r\n\r\n")).isEqualTo(403);
        assertThat(rawStatus("GET /health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")).isEqualTo(403);
        assertThat(rawStatus("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nConnection: close\r\n\r\n")).isEqualTo(200);
        assertThat(admin.send(rebound).status()).isEqualTo(200);
    }

    @Test
    void aServerBoundElsewhereAcceptsTheHostsItIsGiven() throws Exception {
        try (ConsoleServer wide = ConsoleServer.builder(console).bindAddress(InetAddress.getByName("127.0.0.1"))
                .allowedHosts(List.of("chime.example")).start()) {
            assertThat(rawStatus(wide.port(), "GET /health HTTP/1.1\r\nHost: chime.example\r\nConnection: close\r\n\r\n")).isEqualTo(200);
            assertThat(rawStatus(wide.port(), "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")).isEqualTo(403);
        }
    }

    @Test
    void fiftyHalfOpenConnectionsDoNotKeepHealthFromAnsweringWithinASecond() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                OutputStream out = s.getOutputStream();
                out.write("GET /health HTTP/1.1\r\nHost: local".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(s);
            }
            HttpRequest health = HttpRequest.newBuilder(URI.create(anonymous.base() + "health")).timeout(Duration.ofSeconds(1)).build();
            long start = System.nanoTime();
            assertThat(anonymous.send(HttpRequest.newBuilder(health.uri()).timeout(Duration.ofSeconds(1))).status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    private int rawStatus(String request) {
        return rawStatus(server.port(), request);
    }

    private static int rawStatus(int port, String request) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
