package dev.chime.demo;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The demo app's settings, from the command line or else the environment.
 *
 * @param jdbcUrl  where jobs are kept; by default an H2 file under {@code ./chime-data}, so jobs
 *                 survive a restart. Several instances on one PostgreSQL URL form a cluster.
 * @param schedule a JSON schedule file declared at start, or null
 * @param token    the console's admin bearer token (at least 8 characters), or null to generate one
 * @param bind     the address the console listens on; loopback unless told otherwise
 */
public record DemoSettings(int port, String jdbcUrl, Path schedule, String token, InetAddress bind) {

    /** On the loopback address. */
    public DemoSettings(int port, String jdbcUrl, Path schedule, String token) {
        this(port, jdbcUrl, schedule, token, InetAddress.getLoopbackAddress());
    }

    public InetAddress bindAddress() {
        return bind;
    }

    /**
     * The Host names the console answers to: the loopback names on loopback, else any (a demo
     * reached through its address or a proxy; a real deployment lists its names).
     */
    public java.util.List<String> allowedHosts() {
        return bind.isLoopbackAddress() ? java.util.List.of("localhost", "127.0.0.1", "[::1]") : java.util.List.of("*");
    }

    public static final String DEFAULT_JDBC_URL = "jdbc:h2:file:./chime-data/chime";

    public static final String USAGE = """
            Usage: java -jar chime-demo.jar [options]

            Options (each also read from the environment variable shown):
              --port <n>         HTTP port, 0 for any free one (CHIME_PORT; default 8080)
              --jdbc-url <url>   database for jobs; PostgreSQL makes several instances one cluster
                                 (CHIME_JDBC_URL; default jdbc:h2:file:./chime-data/chime)
              --schedule <file>  JSON schedule file of jobs declared at start (CHIME_SCHEDULE)
              --token <secret>   the console's admin bearer token, at least 8 characters (CHIME_TOKEN;
                                 default: a random one, written to ./chime-console.token)
              --bind <address>   address to listen on (CHIME_BIND; default 127.0.0.1)
              --help             print this help and exit
            """;

    public DemoSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(bind, "bind");
    }

    /**
     * Reads the arguments, falling back to the environment, then the defaults.
     *
     * @throws IllegalArgumentException naming the bad option or variable
     */
    public static DemoSettings parse(String[] args, Map<String, String> env) {
        String port = env.get("CHIME_PORT");
        String portFrom = "CHIME_PORT";
        String jdbcUrl = env.getOrDefault("CHIME_JDBC_URL", DEFAULT_JDBC_URL);
        String schedule = env.get("CHIME_SCHEDULE");
        String token = env.get("CHIME_TOKEN");
        String bind = env.get("CHIME_BIND");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!name.equals("--port") && !name.equals("--jdbc-url") && !name.equals("--schedule") && !name.equals("--token")
                    && !name.equals("--bind")) {
                throw new IllegalArgumentException("unknown option '" + arg + "' (see --help)");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--port" -> {
                    port = value;
                    portFrom = "--port";
                }
                case "--jdbc-url" -> jdbcUrl = value;
                case "--schedule" -> schedule = value;
                case "--bind" -> bind = value;
                default -> token = value;
            }
        }
        int portNumber = 8080;
        if (port != null) {
            try {
                portNumber = Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                portNumber = -1;
            }
            if (portNumber < 0 || portNumber > 65535) {
                throw new IllegalArgumentException(portFrom + ": '" + port + "' is not a port number (0-65535)");
            }
        }
        if (jdbcUrl.isBlank() || !jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("--jdbc-url: '" + jdbcUrl + "' is not a JDBC URL (jdbc:...)");
        }
        if (token != null && token.trim().length() < 8) {
            throw new IllegalArgumentException("--token must have at least 8 characters");
        }
        InetAddress address = InetAddress.getLoopbackAddress();
        if (bind != null && !bind.isBlank()) {
            try {
                address = InetAddress.getByName(bind.trim());
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("--bind: '" + bind + "' is not an address of this host");
            }
        }
        return new DemoSettings(portNumber, jdbcUrl, schedule == null || schedule.isBlank() ? null : Path.of(schedule), token, address);
    }

    public static boolean wantsHelp(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return true;
            }
        }
        return false;
    }
}
