package dev.chime.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One HTTP request and its answer, whatever the server: the JDK's HttpServer standalone, or a
 * servlet container when mounted. Paths are raw (still percent-encoded) and relative to where the
 * console is mounted, starting with {@code /}. Used by one thread at a time.
 */
public interface Exchange {

    String method();

    String path();

    /** The whole raw path as the client sent it, for the redirect from the mount point to its page. */
    String requestPath();

    /** The raw query string, or null. */
    String rawQuery();

    /** The first value of a header (case-insensitive name), or null. */
    String header(String name);

    /** The declared body length, or -1 when unknown (chunked) or absent. */
    long contentLength();

    InputStream body() throws IOException;

    void setHeader(String name, String value);

    /** Sends a whole answer; {@code body} may be empty. */
    void send(int status, String contentType, byte[] body) throws IOException;

    /** Starts an answer of unknown length (server-sent events); each write is flushed by the caller. */
    OutputStream stream(int status, String contentType) throws IOException;
}
