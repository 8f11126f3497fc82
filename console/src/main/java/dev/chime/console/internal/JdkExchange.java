package dev.chime.console.internal;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** An exchange of the JDK's HttpServer, with the console mounted at {@code contextPath}. */
public final class JdkExchange implements Exchange {

    private final HttpExchange ex;
    private final String path;

    public JdkExchange(HttpExchange ex, String contextPath) {
        this.ex = ex;
        String raw = ex.getRequestURI().getRawPath();
        String relative = contextPath.equals("/") ? raw : raw.substring(Math.min(raw.length(), contextPath.length()));
        this.path = relative;
    }

    @Override
    public String method() {
        return ex.getRequestMethod();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String requestPath() {
        return ex.getRequestURI().getRawPath();
    }

    @Override
    public String rawQuery() {
        return ex.getRequestURI().getRawQuery();
    }

    @Override
    public String header(String name) {
        return ex.getRequestHeaders().getFirst(name);
    }

    @Override
    public long contentLength() {
        String value = ex.getRequestHeaders().getFirst("Content-Length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new HttpError(400, "Content-Length is not a number");
        }
    }

    @Override
    public InputStream body() {
        return ex.getRequestBody();
    }

    @Override
    public void setHeader(String name, String value) {
        ex.getResponseHeaders().set(name, value);
    }

    @Override
    public void send(int status, String contentType, byte[] body) throws IOException {
        if (contentType != null) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        if (body.length == 0) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public OutputStream stream(int status, String contentType) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, 0);
        return ex.getResponseBody();
    }
}
