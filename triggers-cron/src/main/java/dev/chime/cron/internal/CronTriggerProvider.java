package dev.chime.cron.internal;

import dev.chime.Trigger;
import dev.chime.cron.CronDialect;
import dev.chime.cron.CronTrigger;
import dev.chime.spi.SpecParams;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Set;

/** The {@code cron} trigger type; registered in {@code META-INF/services}. */
public final class CronTriggerProvider implements TriggerProvider {

    @Override
    public String type() {
        return CronTrigger.TYPE;
    }

    @Override
    public Trigger parse(String body, TriggerParser nested) {
        SpecParams params = SpecParams.parse(body, Set.of("zone", "dialect"));
        ZoneId zone = params.get("zone").map(CronTriggerProvider::zone).orElse(ZoneOffset.UTC);
        CronDialect dialect = params.get("dialect").map(CronTriggerProvider::dialect)
                .orElseGet(() -> CronTrigger.unambiguousDefaultDialect(params.main()));
        return CronTrigger.of(params.main(), dialect, zone);
    }

    private static ZoneId zone(String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("zone: '" + id + "' is not a time zone id such as Europe/Berlin or UTC");
        }
    }

    private static CronDialect dialect(String name) {
        try {
            return CronDialect.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dialect: '" + name + "' is not one of unix, spring, quartz");
        }
    }
}
