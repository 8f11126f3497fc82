package dev.chime.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small HTTP client for the demo's console API in tests. */
final class Api {

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return new ObjectMapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String error() {
            return json().path("error").asText();
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    Api(int port, String token) {
        this.base = "http://localhost:" + port;
        this.token = token;
    }

    /** {@code ?id=} with the id encoded. */
    static String id(String id) {
        return "?id=" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Reads need the token too: the console authenticates every endpoint but health. */
    Reply get(String path) {
        return call("GET", path, null);
    }

    Reply getAnonymously(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), null);
    }

    Reply call(String method, String path, String body) {
        return call(method, path, body, token);
    }

    Reply call(String method, String path, String body, String withToken) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (withToken != null) {
            b.header("Authorization", "Bearer " + withToken);
        }
        return send(b, body);
    }

    private Reply send(HttpRequest.Builder b, String body) {
        try {
            HttpResponse<String> r = client.send(b.timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
