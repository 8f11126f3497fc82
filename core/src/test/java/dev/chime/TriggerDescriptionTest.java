package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.English;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every built-in trigger type says in English when it fires. */
class TriggerDescriptionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "once:2026-01-01T09:00:00Z | once, at 2026-01-01T09:00:00Z",
            "interval:PT15S | every 15 seconds",
            "interval:PT1H | every hour",
            "interval:PT1H30M | every 1 hour and 30 minutes",
            "interval:PT0.25S | every 250 milliseconds",
            "interval:P2D;start=2026-01-01T00:00:00Z;end=2026-02-01T00:00:00Z;jitter=PT5M"
                    + " | every 2 days, from 2026-01-01T00:00:00Z, until 2026-02-01T00:00:00Z, each up to 5 minutes late (the same for every node)",
            "once:2026-01-01T09:00:00Z;jitter=PT10S | once, at 2026-01-01T09:00:00Z, each up to 10 seconds late (the same for every node)",
            "delay:PT30S;end=2026-03-01T00:00:00Z | 30 seconds after the previous run finishes, until 2026-03-01T00:00:00Z",
            "delay:PT30S | 30 seconds after the previous run finishes",
            "delay:PT1M;start=2026-01-01T00:00:00Z | 1 minute after the previous run finishes, first at 2026-01-01T00:00:00Z"})
    void builtInTypesDescribeThemselves(String spec, String english) {
        assertThat(Triggers.parse(spec).describe()).isEqualTo(english);
    }

    @Test
    void aTriggerWithoutItsOwnDescriptionIsDescribedByItsSpec() {
        Trigger custom = new Trigger() {
            @Override
            public Optional<Instant> nextFireTime(TriggerContext context) {
                return Optional.empty();
            }

            @Override
            public String spec() {
                return "lunar:full-moon";
            }
        };
        assertThat(custom.describe()).isEqualTo("on the schedule lunar:full-moon");
    }

    @Test
    void durationsReadAsPeopleSayThem() {
        assertThat(English.duration(Duration.ofDays(1).plusHours(2).plusSeconds(3))).isEqualTo("1 day, 2 hours and 3 seconds");
        assertThat(English.every(Duration.ofMinutes(1))).isEqualTo("every minute");
        assertThat(English.every(Duration.ofMinutes(2))).isEqualTo("every 2 minutes");
    }
}
