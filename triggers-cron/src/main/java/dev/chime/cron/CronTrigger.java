package dev.chime.cron;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.cron.internal.DialectChoice;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * Fires when a cron expression matches, in a time zone. Spec:
 * {@code cron:<expression>[;zone=<zone id>][;dialect=unix|spring|quartz]}, e.g.
 * <code>cron:0 *&#47;5 * * * *;zone=Europe/Berlin</code>. Without a dialect, 5 fields (and macros) are
 * {@link CronDialect#UNIX}, 6 are {@link CronDialect#SPRING} and 7 are {@link CronDialect#QUARTZ};
 * without a zone, UTC. Immutable. A 6-field expression that means something else in Quartz than
 * in Spring (day-of-week numbers, {@code L}, {@code nL}) must name its dialect: without it,
 * {@code 0 0 12 ? * 2} is rejected with both readings rather than silently run on the wrong day.
 *
 * <p>The first fire time is the first match at or after the moment the job is added (a job added
 * at exactly 09:00:00 for {@code 0 9 * * *} fires at once); later ones are strictly after the
 * previous fire time.
 */
public record CronTrigger(CronExpression expression, ZoneId zone) implements Trigger {

    public static final String TYPE = "cron";

    public CronTrigger {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(zone, "zone");
    }

    /**
     * A cron trigger in UTC with the dialect chosen by the number of fields.
     *
     * @throws IllegalArgumentException also for a 6-field expression whose meaning differs between
     *         Spring and Quartz, giving both readings
     */
    public static CronTrigger of(String expression) {
        return new CronTrigger(CronExpression.parse(expression, unambiguousDefaultDialect(expression)), ZoneOffset.UTC);
    }

    /**
     * {@link #defaultDialect}, refusing a 6-field expression that Spring and Quartz read
     * differently: the error names both readings and the fix ({@code ;dialect=quartz}).
     */
    public static CronDialect unambiguousDefaultDialect(String expression) {
        CronDialect dialect = defaultDialect(expression);
        if (dialect == CronDialect.SPRING) {
            DialectChoice.ambiguity(expression.trim()).ifPresent(problem -> {
                throw new IllegalArgumentException(problem);
            });
        }
        return dialect;
    }

    public static CronTrigger of(String expression, CronDialect dialect, ZoneId zone) {
        return new CronTrigger(CronExpression.parse(expression, dialect), zone);
    }

    /** The dialect an expression gets when none is named: by its number of fields. */
    public static CronDialect defaultDialect(String expression) {
        String trimmed = expression.trim();
        if (trimmed.startsWith("@")) {
            return CronDialect.UNIX;
        }
        int fields = trimmed.split("\\s+").length;
        return fields == 6 ? CronDialect.SPRING : fields == 7 ? CronDialect.QUARTZ : CronDialect.UNIX;
    }

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        // The first fire time may be "now" itself; later ones are strictly after the last.
        Instant after = context.lastFireTime() != null ? context.lastFireTime() : context.now().minusNanos(1);
        return expression.next(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
    }

    @Override
    public String spec() {
        StringBuilder spec = new StringBuilder(TYPE).append(':').append(expression.expression());
        if (!zone.equals(ZoneOffset.UTC)) {
            spec.append(";zone=").append(zone.getId());
        }
        if (expression.dialect() != defaultDialect(expression.expression()) || expression.meaningDependsOnDialect()) {
            spec.append(";dialect=").append(expression.dialect().name().toLowerCase(java.util.Locale.ROOT));
        }
        return spec.toString();
    }

    /** The expression in English with its zone, e.g. {@code "at 09:00, Monday through Friday (Europe/Berlin)"}. */
    public String describe() {
        return expression.describe() + " (" + zone.getId() + ")";
    }
}
