package dev.chime.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoSettingsTest {

    @Test
    void defaultsRunOnAnEmbeddedH2FileOnPort8080() {
        DemoSettings s = DemoSettings.parse(new String[0], Map.of());
        assertThat(s).isEqualTo(new DemoSettings(8080, "jdbc:h2:file:./chime-data/chime", null, null));
    }

    @Test
    void optionsWinOverTheEnvironment() {
        Map<String, String> env = Map.of("CHIME_PORT", "9000", "CHIME_JDBC_URL", "jdbc:postgresql://db/chime",
                "CHIME_SCHEDULE", "env.json", "CHIME_TOKEN", "from-env");
        assertThat(DemoSettings.parse(new String[0], env))
                .isEqualTo(new DemoSettings(9000, "jdbc:postgresql://db/chime", Path.of("env.json"), "from-env"));
        assertThat(DemoSettings.parse(new String[] {"--port", "0", "--jdbc-url=jdbc:h2:mem:x", "--schedule", "a.json",
                "--token", "t0ken-abc"}, env)).isEqualTo(new DemoSettings(0, "jdbc:h2:mem:x", Path.of("a.json"), "t0ken-abc"));
        assertThat(DemoSettings.parse(new String[] {"--bind", "0.0.0.0"}, env).bindAddress().isAnyLocalAddress()).isTrue();
    }

    @Test
    void badOptionsAreNamed() {
        assertThatThrownBy(() -> DemoSettings.parse(new String[] {"--prot", "1"}, Map.of()))
                .hasMessage("unknown option '--prot' (see --help)");
        assertThatThrownBy(() -> DemoSettings.parse(new String[] {"--port"}, Map.of())).hasMessage("option --port needs a value");
        assertThatThrownBy(() -> DemoSettings.parse(new String[] {"--port", "http"}, Map.of()))
                .hasMessage("--port: 'http' is not a port number (0-65535)");
        assertThatThrownBy(() -> DemoSettings.parse(new String[0], Map.of("CHIME_PORT", "70000")))
                .hasMessage("CHIME_PORT: '70000' is not a port number (0-65535)");
        assertThatThrownBy(() -> DemoSettings.parse(new String[] {"--jdbc-url", "postgres://db"}, Map.of()))
                .hasMessage("--jdbc-url: 'postgres://db' is not a JDBC URL (jdbc:...)");
        assertThatThrownBy(() -> DemoSettings.parse(new String[] {"--token", "short"}, Map.of()))
                .hasMessage("--token must have at least 8 characters");
    }

    @Test
    void helpListsEveryOptionWithItsVariable() {
        assertThat(DemoSettings.wantsHelp(new String[] {"--port", "1", "--help"})).isTrue();
        assertThat(DemoSettings.USAGE).contains("--port", "CHIME_PORT", "--jdbc-url", "CHIME_JDBC_URL", "--schedule",
                "CHIME_SCHEDULE", "--token", "CHIME_TOKEN", "--bind", "CHIME_BIND", "--help");
    }
}
