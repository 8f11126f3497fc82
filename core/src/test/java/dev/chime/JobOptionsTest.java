package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.internal.OptionsJson;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobOptionsTest {

    @Test
    void defaultsMatchApscheduler() {
        JobOptions o = JobOptions.defaults();
        assertThat(o.misfireGraceTime()).contains(Duration.ofSeconds(1));
        assertThat(o.coalesce()).isTrue();
        assertThat(o.maxInstances()).isEqualTo(1);
        assertThat(o.retry()).isEqualTo(RetryPolicy.none());
        assertThat(o.timeout()).isEmpty();
        assertThat(o.recoverable()).isFalse();
    }

    @Test
    void invalidOptionsNameTheField() {
        assertThatThrownBy(() -> JobOptions.builder().maxInstances(0).build())
                .hasMessage("maxInstances: 0 must be at least 1");
        assertThatThrownBy(() -> JobOptions.builder().timeout(Duration.ZERO).build())
                .hasMessage("timeout: PT0S must be positive and at most PT876600H (100 years); leave it out (null) for no timeout");
        assertThatThrownBy(() -> JobOptions.builder().misfireGraceTime(Duration.ofSeconds(-1)).build())
                .hasMessage("misfireGraceTime: PT-1S is outside 0 to PT876600H (100 years); leave it out (null) for no limit");
        assertThatThrownBy(() -> new RetryPolicy(1, Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1)))
                .hasMessageContaining("retry multiplier: 0.5");
        assertThatThrownBy(() -> new RetryPolicy(-1, Duration.ofSeconds(1), 1, Duration.ofSeconds(1)))
                .hasMessageContaining("retry maxRetries: -1");
    }

    @Test
    void durationsThatWouldOverflowAtRunTimeAreRejectedWhenBuiltNamingFieldAndRange() {
        Duration tooLong = JobOptions.MAX_DURATION.plusSeconds(1);
        assertThatThrownBy(() -> JobOptions.builder().timeout(Duration.ofSeconds(Long.MAX_VALUE)).build())
                .hasMessageStartingWith("timeout: PT2562047788015215H30M7S must be positive and at most PT876600H (100 years)");
        assertThatThrownBy(() -> JobOptions.builder().misfireGraceTime(tooLong).build())
                .hasMessageStartingWith("misfireGraceTime: PT876600H1S is outside 0 to PT876600H (100 years)");
        // 300 years: the n-th backoff overflowed a long of nanoseconds on the worker, and the slot leaked.
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofDays(300 * 365)))
                .hasMessage("retry maxBackoff: PT2628000H is longer than PT876600H (100 years)");
        assertThatThrownBy(() -> RetryPolicy.fixed(1, tooLong))
                .hasMessage("retry initialBackoff: PT876600H1S is outside 0 to PT876600H (100 years)");
        assertThatThrownBy(() -> RetryPolicy.fixed(RetryPolicy.MAX_RETRIES + 1, Duration.ofSeconds(1)))
                .hasMessage("retry maxRetries: 1001 is outside 0 to 1000");
        assertThat(JobOptions.builder().timeout(JobOptions.MAX_DURATION).misfireGraceTime(JobOptions.MAX_DURATION)
                .retry(RetryPolicy.fixed(RetryPolicy.MAX_RETRIES, JobOptions.MAX_DURATION)).build().timeout())
                .contains(JobOptions.MAX_DURATION);
    }

    @Test
    void outOfRangeDurationsInOptionsJsonNameTheOptionsAndTheField() {
        assertThatThrownBy(() -> OptionsJson.readStored("{\"timeout\": \"PT1000000H\"}", "job 'x' options"))
                .hasMessageStartingWith("job 'x' options: timeout: PT1000000H must be positive and at most PT876600H (100 years)");
        assertThatThrownBy(() -> OptionsJson.readStored("{\"misfireGraceTime\": \"PT1000000H\"}", "job 'x' options"))
                .hasMessageStartingWith("job 'x' options: misfireGraceTime: PT1000000H is outside 0 to PT876600H");
        assertThatThrownBy(() -> OptionsJson.readStored("{\"retry\": {\"maxRetries\": 1, \"maxBackoff\": \"PT3000000H\"}}",
                "job 'x' options"))
                .hasMessage("job 'x' options: retry maxBackoff: PT3000000H is longer than PT876600H (100 years)");
    }

    @Test
    void backoffGrowsAndIsCapped() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofSeconds(1), 3.0, Duration.ofSeconds(20));
        assertThat(p.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.backoff(2)).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.backoff(3)).isEqualTo(Duration.ofSeconds(9));
        assertThat(p.backoff(4)).isEqualTo(Duration.ofSeconds(20));
        assertThat(p.backoff(60)).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void optionsRoundTripThroughJson() {
        JobOptions o = JobOptions.builder().misfireGraceTime(null).coalesce(false).maxInstances(3)
                .retry(RetryPolicy.exponential(4, Duration.ofSeconds(5))).timeout(Duration.ofMinutes(2)).recoverable(true).build();
        assertThat(OptionsJson.readStored(OptionsJson.write(o), "options")).isEqualTo(o);
    }

    @Test
    void partialOptionsJsonKeepsDefaultsForMissingFields() {
        JobOptions o = OptionsJson.readStored("{\"maxInstances\": 4}", "options");
        assertThat(o.maxInstances()).isEqualTo(4);
        assertThat(o.coalesce()).isTrue();
    }

    @Test
    void badOptionsJsonNamesTheField() {
        assertThatThrownBy(() -> OptionsJson.readStored("{\"maxInstances\": \"many\"}", "job 'x' options"))
                .hasMessage("job 'x' options.maxInstances: expected a whole number, got \"many\"");
        assertThatThrownBy(() -> OptionsJson.readStored("{\"timeout\": \"soon\"}", "job 'x' options"))
                .hasMessageContaining("job 'x' options.timeout: 'soon' is not an ISO-8601 duration");
        assertThatThrownBy(() -> OptionsJson.readStored("{\"maxInstances\": 0}", "job 'x' options"))
                .hasMessage("job 'x' options: maxInstances: 0 must be at least 1");
        assertThatThrownBy(() -> OptionsJson.readStored("{oops", "job 'x' options"))
                .hasMessageContaining("job 'x' options: invalid JSON at line 1");
    }

    @Test
    void jobDefinitionValidatesItsFields() {
        Trigger t = Triggers.interval(Duration.ofSeconds(1));
        assertThatThrownBy(() -> JobDefinition.builder(" ").task("x").trigger(t).build()).hasMessage("job id: must not be blank");
        assertThatThrownBy(() -> JobDefinition.builder("a").trigger(t).build()).hasMessage("job 'a': task must not be blank");
        assertThatThrownBy(() -> JobDefinition.builder("a").task("x").build()).hasMessage("job 'a': trigger is missing");
        assertThatThrownBy(() -> JobDefinition.builder("a").task("x").trigger(t).dataJson("{bad").build())
                .hasMessageContaining("data of job 'a': invalid JSON");
    }

    @Test
    void equalDefinitionsAreEqual() {
        JobDefinition a = JobDefinition.builder("a").task("x").trigger(Triggers.interval(Duration.ofSeconds(1)))
                .dataJson("{ \"k\" : 1 }").build();
        JobDefinition b = JobDefinition.builder("a").task("x").trigger(Triggers.parse("interval:PT1S"))
                .data(java.util.Map.of("k", 1)).build();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    }

    @Test
    void theJsonFormRoundTripsAndRejectsAMisspeltField() throws Exception {
        JobOptions o = JobOptions.builder().maxInstances(3).coalesce(false).timeout(Duration.ofSeconds(5))
                .retry(RetryPolicy.fixed(2, Duration.ofSeconds(1))).build();
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(JobOptions.fromJson(mapper.readTree(o.toJson()), "options")).isEqualTo(o);
        assertThat(JobOptions.fromJson(mapper.readTree("{\"maxInstances\": 2}"), "options").maxInstances()).isEqualTo(2);
        assertThatThrownBy(() -> JobOptions.fromJson(mapper.readTree("{\"maxInstance\": 2}"), "job 'x': options"))
                .hasMessageContaining("job 'x': options: unknown field 'maxInstance'");
        assertThatThrownBy(() -> JobOptions.fromJson(mapper.readTree("{\"retry\": {\"retries\": 2}}"), "job 'x': options"))
                .hasMessageContaining("job 'x': options.retry: unknown field 'retries'");
    }
}
