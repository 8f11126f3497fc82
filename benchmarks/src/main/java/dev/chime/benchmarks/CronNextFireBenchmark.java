package dev.chime.benchmarks;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.chime.cron.CronDialect;
import dev.chime.cron.CronExpression;
import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Date;
import java.util.Random;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per next-fire computation over a mix of six everyday expressions and 1,024 start
 * instants, for Chime, Spring, Quartz and cron-utils in the same run. Each library gets the same
 * schedules in its own syntax, in Europe/Berlin.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CronNextFireBenchmark {

    /** Spring syntax (6 fields) and the same schedule in Quartz syntax. */
    static final String[][] MIX = {
            {"0 */5 * * * *", "0 */5 * * * ?"},
            {"0 0 9 * * MON-FRI", "0 0 9 ? * MON-FRI"},
            {"0 0 0 L * *", "0 0 0 L * ?"},
            {"0 0 12 ? * FRI#3", "0 0 12 ? * FRI#3"},
            {"0 30 2 1,15 * *", "0 30 2 1,15 * ?"},
            {"*/10 * 9-17 * * MON-FRI", "*/10 * 9-17 ? * MON-FRI"},
    };
    static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    private static final int STARTS = 1024;

    private CronExpression[] chime;
    private org.springframework.scheduling.support.CronExpression[] spring;
    private org.quartz.CronExpression[] quartz;
    private ExecutionTime[] cronUtils;
    private ZonedDateTime[] starts;
    private Date[] startDates;
    private int i;

    @Setup
    public void setUp() throws ParseException {
        int n = MIX.length;
        chime = new CronExpression[n];
        spring = new org.springframework.scheduling.support.CronExpression[n];
        quartz = new org.quartz.CronExpression[n];
        cronUtils = new ExecutionTime[n];
        CronParser cronUtilsParser = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
        for (int k = 0; k < n; k++) {
            chime[k] = CronExpression.parse(MIX[k][0], CronDialect.SPRING);
            spring[k] = org.springframework.scheduling.support.CronExpression.parse(MIX[k][0]);
            quartz[k] = new org.quartz.CronExpression(MIX[k][1]);
            quartz[k].setTimeZone(TimeZone.getTimeZone(ZONE));
            cronUtils[k] = ExecutionTime.forCron(cronUtilsParser.parse(MIX[k][1]));
        }
        Random random = new Random(42);
        starts = new ZonedDateTime[STARTS];
        startDates = new Date[STARTS];
        long from = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
        for (int k = 0; k < STARTS; k++) {
            Instant start = Instant.ofEpochSecond(from + random.nextInt(365 * 86_400));
            starts[k] = start.atZone(ZONE);
            startDates[k] = Date.from(start);
        }
    }

    private int next() {
        return i++ & (STARTS - 1);
    }

    @Benchmark
    public Object chime() {
        int k = next();
        return chime[k % MIX.length].next(starts[k]);
    }

    @Benchmark
    public Object spring() {
        int k = next();
        return spring[k % MIX.length].next(starts[k]);
    }

    @Benchmark
    public Object quartz() {
        int k = next();
        return quartz[k % MIX.length].getNextValidTimeAfter(startDates[k]);
    }

    @Benchmark
    public Object cronUtils() {
        int k = next();
        return cronUtils[k % MIX.length].nextExecution(starts[k]);
    }
}
