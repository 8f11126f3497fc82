package dev.chime.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

/** The console as a servlet in a real container (embedded Tomcat), under {@code /app/chime/}. */
class MountedConsoleTest extends ExecutionsContract {

    private Tomcat tomcat;
    private Path baseDir;

    @Override
    protected String serve(Console console) throws Exception {
        baseDir = Files.createTempDirectory("chime-tomcat");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        Context context = tomcat.addContext("/app", null);
        Tomcat.addServlet(context, "chime-console", new ConsoleServlet(console));
        context.addServletMappingDecoded("/chime/*", "chime-console");
        tomcat.start();
        return "http://localhost:" + tomcat.getConnector().getLocalPort() + "/app/chime/";
    }

    @Override
    protected void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }

    @Test
    void theMountPointRedirectsToItsPageSoThatRelativeLinksResolve() {
        Http.Reply r = new Http(anonymous.base().substring(0, anonymous.base().length() - 1), null).get("");
        assertThat(r.status()).isEqualTo(308);
        assertThat(r.header("Location")).isEqualTo("/app/chime/");
    }
}
