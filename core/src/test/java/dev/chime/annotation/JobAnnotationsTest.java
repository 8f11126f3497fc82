package dev.chime.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.JobDefinition;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class JobAnnotationsTest {

    /** Parses any spec into a trigger that only remembers it. */
    private static final Function<String, Trigger> SPECS = spec -> new Trigger() {
        @Override
        public Optional<java.time.Instant> nextFireTime(TriggerContext context) {
            return Optional.empty();
        }

        @Override
        public String spec() {
            return spec;
        }
    };

    public static class Billing {
        @ScheduledJob(id = "weekly", cron = "0 0 9 ? * MON", zone = "Europe/Berlin", cronDialect = "quartz",
                data = "{\"to\": [\"ops@example.com\"]}")
        public void weekly(JobContext ctx) {
        }

        @ScheduledJob(interval = "PT1M", cronDialect = "unix")
        public void dialectWithoutCron() {
        }

        @ScheduledJob(id = "bad-data", interval = "PT1M", data = "{to: nowhere")
        public void badData() {
        }
    }

    @ChimeTask("digest")
    public static class Digest implements Job {
        @Override
        public void execute(JobContext context) {
        }
    }

    @Test
    void aMethodsCronDialectZoneAndDataMakeTheJob() {
        JobAnnotations.Found found = JobAnnotations.inspect(Billing.class);
        AnnotatedJob weekly = found.jobs().stream().filter(j -> j.id().equals("weekly")).findFirst().orElseThrow();

        JobDefinition job = weekly.toDefinition(SPECS);

        assertThat(job.trigger().spec()).isEqualTo("cron:0 0 9 ? * MON;zone=Europe/Berlin;dialect=quartz");
        assertThat(job.task()).isEqualTo(Billing.class.getName() + "#weekly");
        assertThat(job.dataJson()).isEqualTo("{\"to\":[\"ops@example.com\"]}");
        assertThat(found.tasks()).extracting(AnnotatedTask::name).contains(Billing.class.getName() + "#weekly");
    }

    @Test
    void misusedAttributesAreRejectedNamingTheMethodAndTheAttribute() {
        JobAnnotations.Found found = JobAnnotations.inspect(Billing.class);
        AnnotatedJob noCron = found.jobs().stream().filter(j -> j.id().equals("Billing.dialectWithoutCron")).findFirst().orElseThrow();
        AnnotatedJob badData = found.jobs().stream().filter(j -> j.id().equals("bad-data")).findFirst().orElseThrow();

        assertThatThrownBy(() -> noCron.toDefinition(SPECS)).isInstanceOf(AnnotationException.class)
                .hasMessage("method " + Billing.class.getName() + "#dialectWithoutCron: @ScheduledJob cronDialect applies to cron only");
        assertThatThrownBy(() -> badData.toDefinition(SPECS)).isInstanceOf(AnnotationException.class)
                .hasMessageStartingWith("method " + Billing.class.getName() + "#badData: @ScheduledJob data: ");
    }

    @Test
    void aNamedTaskClassIsATaskWhoseJobIsTheInstanceItIsGiven() {
        JobAnnotations.Found found = JobAnnotations.inspect(Digest.class);
        AnnotatedTask task = found.tasks().get(0);
        Digest instance = new Digest();

        assertThat(task.name()).isEqualTo("digest");
        assertThat(task.job(instance)).isSameAs(instance);
        assertThat(found.jobs()).isEmpty();
    }
}
