package dev.chime.schedules;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.spi.SpecParams;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;

/**
 * The README's worked example of a custom trigger, as a plugin author writes it: the trigger, its
 * provider, and one line in {@code META-INF/services/dev.chime.spi.TriggerProvider} (here in the
 * test resources). Spec: {@code weekdays-at:09:00;zone=Europe/Berlin}.
 */
public record WeekdaysAtTrigger(LocalTime at, ZoneId zone) implements Trigger {

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        Instant after = context.lastFire().orElse(context.now().minusNanos(1));
        for (LocalDate day = LocalDate.ofInstant(after, zone); ; day = day.plusDays(1)) {
            if (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY) {
                continue;
            }
            Instant fire = day.atTime(at).atZone(zone).toInstant();
            if (fire.isAfter(after)) {
                return Optional.of(fire);
            }
        }
    }

    @Override
    public String spec() {
        return "weekdays-at:" + at + (zone.equals(ZoneOffset.UTC) ? "" : ";zone=" + zone.getId());
    }

    /** Registered in src/test/resources/META-INF/services/dev.chime.spi.TriggerProvider. */
    public static final class Provider implements TriggerProvider {
        @Override
        public String type() {
            return "weekdays-at";
        }

        @Override
        public Trigger parse(String body, TriggerParser nested) {
            SpecParams p = SpecParams.parse(body, Set.of("zone"));
            return new WeekdaysAtTrigger(LocalTime.parse(p.main()), p.get("zone").map(ZoneId::of).orElse(ZoneOffset.UTC));
        }
    }
}
