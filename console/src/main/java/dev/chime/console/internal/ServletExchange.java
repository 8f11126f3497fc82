package dev.chime.console.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** An exchange of a servlet container; the path is the raw request URI after the context and servlet paths. */
public final class ServletExchange implements Exchange {

    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final String path;

    public ServletExchange(HttpServletRequest request, HttpServletResponse response) {
        this.request = request;
        this.response = response;
        // Raw, so that the console decodes ids itself: the container's decoded path would turn %2F into /.
        String uri = request.getRequestURI();
        String prefix = request.getContextPath() + request.getServletPath();
        String relative = uri.startsWith(prefix) ? uri.substring(prefix.length()) : uri;
        this.path = relative;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String requestPath() {
        return request.getRequestURI();
    }

    @Override
    public String rawQuery() {
        return request.getQueryString();
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }

    @Override
    public long contentLength() {
        return request.getContentLengthLong();
    }

    @Override
    public InputStream body() throws IOException {
        return request.getInputStream();
    }

    @Override
    public void setHeader(String name, String value) {
        response.setHeader(name, value);
    }

    @Override
    public void send(int status, String contentType, byte[] body) throws IOException {
        response.setStatus(status);
        if (contentType != null) {
            response.setContentType(contentType);
        }
        response.setContentLength(body.length);
        if (body.length > 0) {
            try (OutputStream out = response.getOutputStream()) {
                out.write(body);
            }
        }
    }

    @Override
    public OutputStream stream(int status, String contentType) throws IOException {
        response.setStatus(status);
        response.setContentType(contentType);
        response.flushBuffer();
        return response.getOutputStream();
    }
}
