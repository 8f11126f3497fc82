package dev.chime.console;

import dev.chime.console.internal.ServletExchange;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;

/**
 * The console mounted in a servlet container (Tomcat, Jetty, Undertow; Spring MVC or not): map it
 * to a path with a wildcard, e.g. {@code /chime/*}. The Spring Boot starter registers it when
 * {@code chime.console.enabled=true}. The container's own limits apply to slow clients; the Host
 * check is the console's {@link Console.Builder#allowedHosts}. Event streams hold a container thread
 * each while open (at most {@link Console.Builder#maxEventStreams}). Thread-safe.
 */
public final class ConsoleServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient Console console;

    public ConsoleServlet(Console console) {
        this.console = Objects.requireNonNull(console, "console");
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        console.handler().handle(new ServletExchange(request, response));
    }
}
