package dev.chime.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.InvalidTriggerSpecException;
import dev.chime.Trigger;
import dev.chime.Triggers;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A 6-field expression that Spring and Quartz read differently must name its dialect. */
class CronDialectChoiceTest {

    @Test
    void quartzMondayWithoutDialectIsRejectedWithBothReadings() {
        assertThatThrownBy(() -> Triggers.parse("cron:0 0 12 ? * 2"))
                .isInstanceOf(InvalidTriggerSpecException.class)
                .hasMessageContaining("'0 0 12 ? * 2': day-of-week 2 means \"at 12:00, on Monday\" in Quartz"
                        + " and \"at 12:00, on Tuesday\" in Spring; add ;dialect=quartz or ;dialect=spring");
    }

    @Test
    void lastWeekdayOfMonthWithoutDialectIsRejected() {
        assertThatThrownBy(() -> Triggers.parse("cron:0 0 12 ? * 6L"))
                .isInstanceOf(InvalidTriggerSpecException.class)
                .hasMessageContaining("day-of-week 6L means \"at 12:00, on the last Friday of the month\" in Quartz")
                .hasMessageContaining("\"at 12:00, on the last Saturday of the month\" in Spring");
    }

    @Test
    void quartzOnlyExpressionWithoutDialectSaysToNameQuartz() {
        // 'L' alone in day-of-week is Saturday in Quartz and an error in Spring.
        assertThatThrownBy(() -> Triggers.parse("cron:0 0 12 ? * L"))
                .isInstanceOf(InvalidTriggerSpecException.class)
                .hasMessageContaining("is a QUARTZ expression")
                .hasMessageContaining("add ;dialect=quartz");
    }

    @Test
    void codeFactoryRejectsTheSameExpressions() {
        assertThatThrownBy(() -> CronTrigger.of("0 0 12 ? * 2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Monday").hasMessageContaining("Tuesday");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cron:0 0 12 ? * MON-FRI", "cron:0 0 12 * * 2", "cron:0 0 12 ? * *", "cron:0 0 12 ? * SUN#2",
            "cron:0 0 0 15W * ?"})
    void expressionsThatMeanTheSameInBothNeedNoDialect(String spec) {
        Trigger trigger = Triggers.parse(spec);
        assertThat(((CronTrigger) trigger).expression().dialect()).isEqualTo(CronDialect.SPRING);
        assertThat(trigger.spec()).isEqualTo(spec);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cron:0 0 12 ? * 2;dialect=spring", "cron:0 0 12 ? * 2;dialect=quartz",
            "cron:0 0 12 ? * 6L;dialect=spring", "cron:0 0 0 31W * ?;dialect=spring"})
    void dialectDependentSpecsKeepTheirDialectWhenWritten(String spec) {
        Trigger trigger = Triggers.parse(spec);
        assertThat(trigger.spec()).isEqualTo(spec);
        assertThat(Triggers.parse(trigger.spec())).isEqualTo(trigger);
    }

    @Test
    void nearestWeekdayOfASundayEndingTheMonthNeedsADialect() {
        assertThatThrownBy(() -> Triggers.parse("cron:0 0 0 31W * ?"))
                .hasMessageContaining("day-of-month 31W differs when that day is a Sunday ending the month");
    }

    @Test
    void springSkipsTheMonthWhoseLastDaySundayHasItsMondayInTheNextMonth() {
        // 2024-03-31 is a Sunday: Spring's CronExpression skips March, Quartz moves back to Friday the 29th.
        ZonedDateTime start = ZonedDateTime.parse("2024-03-01T00:00:00Z");
        assertThat(CronExpression.parse("0 0 0 31W * ?", CronDialect.SPRING).next(start))
                .contains(ZonedDateTime.parse("2024-05-31T00:00:00Z"));
        assertThat(CronExpression.parse("0 0 0 31W * ?", CronDialect.QUARTZ).next(start))
                .contains(ZonedDateTime.parse("2024-03-29T00:00:00Z"));
        assertThat(CronExpression.parse("0 0 0 30W 6 ?", CronDialect.SPRING).next(ZonedDateTime.parse("2024-06-01T00:00:00Z")))
                .contains(ZonedDateTime.parse("2025-06-30T00:00:00Z"));
    }

    @Test
    void springSundayBeforeTheMonthsEndStillMovesToMonday() {
        // 2024-06-30 is a Sunday ending June; 2024-03-03 is a Sunday inside March.
        assertThat(CronExpression.parse("0 0 0 3W * ?", CronDialect.SPRING).next(ZonedDateTime.parse("2024-03-01T00:00:00Z")))
                .contains(ZonedDateTime.parse("2024-03-04T00:00:00Z"));
    }
}
