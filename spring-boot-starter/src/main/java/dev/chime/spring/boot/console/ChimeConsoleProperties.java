package dev.chime.spring.boot.console;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code chime.console.*}: the console (API and dashboard) mounted in the application's servlet
 * container. Off unless {@code chime.console.enabled=true}; then a token is required unless the
 * application defines an {@link dev.chime.console.Authenticator} bean.
 */
@ConfigurationProperties(prefix = "chime.console")
public class ChimeConsoleProperties {

    /** Mount the console in the application's servlet container. */
    private boolean enabled;
    /** Where: the dashboard is at this path plus a slash, the API under {@code <path>/api/}. */
    private String path = "/chime";
    /** The admin bearer token (at least 8 characters); not needed with an Authenticator bean. */
    private String token;
    /** A read-only bearer token, optional. */
    private String readOnlyToken;
    /** How many console requests may be inside the job store at once; keep it below the pool's size minus the scheduler's needs. */
    private int storeConcurrency = 4;
    /** How long a request waits for its turn at the store before a 429. */
    private Duration storeWait = Duration.ofSeconds(2);

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public String getToken() {
        return token;
    }

    public void setToken(String token) {
        this.token = token;
    }

    public String getReadOnlyToken() {
        return readOnlyToken;
    }

    public void setReadOnlyToken(String readOnlyToken) {
        this.readOnlyToken = readOnlyToken;
    }

    public int getStoreConcurrency() {
        return storeConcurrency;
    }

    public void setStoreConcurrency(int storeConcurrency) {
        this.storeConcurrency = storeConcurrency;
    }

    public Duration getStoreWait() {
        return storeWait;
    }

    public void setStoreWait(Duration storeWait) {
        this.storeWait = storeWait;
    }
}
