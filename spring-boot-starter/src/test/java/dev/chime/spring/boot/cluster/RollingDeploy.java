package dev.chime.spring.boot.cluster;

import dev.chime.annotation.ScheduledJob;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Two versions of an application's code that declare different jobs. */
public final class RollingDeploy {

    private RollingDeploy() {
    }

    @Configuration(proxyBeanMethods = false)
    public static class OldCode {
        @Bean
        OldJobs oldJobs() {
            return new OldJobs();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class NewCode {
        @Bean
        NewJobs newJobs() {
            return new NewJobs();
        }
    }

    public static class OldJobs {
        @ScheduledJob(id = "legacy-export", cron = "0 0 3 * * *")
        public void export() {
        }
    }

    public static class NewJobs {
        @ScheduledJob(id = "export-v2", cron = "0 30 3 * * *")
        public void export() {
        }
    }
}
