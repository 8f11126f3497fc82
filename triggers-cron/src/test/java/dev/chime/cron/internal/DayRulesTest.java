package dev.chime.cron.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class DayRulesTest {

    @Test
    void firstDayOfWeekAgreesWithJavaTimeForFourHundredYears() {
        for (int year = 1900; year <= 2300; year++) {
            for (int month = 1; month <= 12; month++) {
                assertThat(DayRules.firstDayOfWeek(year, month)).as("%d-%d", year, month)
                        .isEqualTo(LocalDate.of(year, month, 1).getDayOfWeek().getValue());
            }
        }
    }
}
