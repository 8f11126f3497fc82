package dev.chime.cron;

import dev.chime.cron.internal.CronDescriber;
import dev.chime.cron.internal.CronParser;
import dev.chime.cron.internal.DialectChoice;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed cron expression in one of three {@linkplain CronDialect dialects}. Immutable and
 * thread-safe; parse once and reuse.
 *
 * <pre>{@code
 * CronExpression weekdays = CronExpression.parse("0 9 * * MON-FRI", CronDialect.UNIX);
 * weekdays.next(ZonedDateTime.now(ZoneId.of("Europe/Berlin")));  // the next 09:00 Berlin time on a weekday
 * weekdays.describe();                                          // "at 09:00, Monday through Friday"
 * }</pre>
 *
 * <p>Daylight saving time, the same in every dialect: a fire time that falls in a spring-forward
 * gap fires once, at the first instant after the gap (a daily 02:30 job runs at 03:00 that day); in
 * a fall-back overlap a fixed-time job fires once, at the first occurrence, while a job whose hour
 * field is {@code *} or a step fires in both passes.
 */
public final class CronExpression {

    private final String expression;
    private final CronDialect dialect;
    private final CronParser.Parsed parsed;
    /** Lazily: whether this 6-field text means something else in the other 6-field dialect. */
    private volatile Boolean dialectDependent;

    private CronExpression(String expression, CronDialect dialect, CronParser.Parsed parsed) {
        this.expression = expression;
        this.dialect = dialect;
        this.parsed = parsed;
    }

    /**
     * @throws IllegalArgumentException naming the field and the token, e.g.
     *         {@code minute: 61 is outside 0-59 in "61 * * * *"}, or saying that the expression can
     *         never fire ({@code 0 0 30 2 *})
     */
    public static CronExpression parse(String expression, CronDialect dialect) {
        Objects.requireNonNull(dialect, "dialect");
        CronParser.Parsed parsed = CronParser.parse(expression, dialect);
        return new CronExpression(parsed.normalized(), dialect, parsed);
    }

    /**
     * The first fire time strictly after {@code after}, in {@code after}'s zone; empty when the
     * expression fires no more (a Quartz year field that has passed). Never loops: the search
     * jumps field by field and stops after 400 years.
     */
    public Optional<ZonedDateTime> next(ZonedDateTime after) {
        return parsed.schedule().next(after);
    }

    /** The expression in English, e.g. {@code "at 09:00, Monday through Friday"}. */
    public String describe() {
        return CronDescriber.describe(parsed.schedule());
    }

    /** The expression as parsed, with runs of white space made single. */
    public String expression() {
        return expression;
    }

    /**
     * True when the text has 6 fields and means something else read as the other 6-field dialect
     * (Spring or Quartz): such an expression needs its dialect named in a spec.
     */
    public boolean meaningDependsOnDialect() {
        Boolean answer = dialectDependent;
        if (answer == null) {
            answer = dialect != CronDialect.UNIX && expression.split(" ").length == 6
                    && DialectChoice.ambiguity(expression).isPresent();
            dialectDependent = answer;
        }
        return answer;
    }

    public CronDialect dialect() {
        return dialect;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CronExpression other && expression.equals(other.expression) && dialect == other.dialect;
    }

    @Override
    public int hashCode() {
        return Objects.hash(expression, dialect);
    }

    @Override
    public String toString() {
        return expression;
    }
}
