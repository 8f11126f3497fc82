package dev.chime.internal.trigger;

import dev.chime.Trigger;
import dev.chime.spi.SpecParams;
import dev.chime.spi.TriggerParser;
import dev.chime.spi.TriggerProvider;
import java.util.Set;

/** The providers of the three trigger types core ships; each is listed in META-INF/services. */
public final class BuiltInTriggerProviders {

    private BuiltInTriggerProviders() {
    }

    /** {@code once:<instant>}. */
    public static final class Once implements TriggerProvider {
        @Override
        public String type() {
            return OnceTrigger.TYPE;
        }

        @Override
        public Trigger parse(String body, TriggerParser nested) {
            SpecParams p = SpecParams.parse(body, Set.of());
            return new OnceTrigger(SpecParams.parseInstant("instant", p.main()));
        }
    }

    /**
     * {@code interval:<duration>[;start=..][;end=..]}: its start is the first point of the grid, so
     * it reads start and end itself; jitter is the common one.
     */
    public static final class Interval implements TriggerProvider {
        @Override
        public String type() {
            return IntervalTrigger.TYPE;
        }

        @Override
        public Set<String> ownParameters() {
            return Set.of("start", "end");
        }

        @Override
        public Trigger parse(String body, TriggerParser nested) {
            SpecParams p = SpecParams.parse(body, Set.of("start", "end"));
            return new IntervalTrigger(SpecParams.parseDuration("interval", p.main()),
                    p.instant("start").orElse(null), p.instant("end").orElse(null));
        }
    }

    /** {@code delay:<duration>[;start=..]}: its start is the first run itself, so it reads start itself. */
    public static final class FixedDelay implements TriggerProvider {
        @Override
        public String type() {
            return FixedDelayTrigger.TYPE;
        }

        @Override
        public Set<String> ownParameters() {
            return Set.of("start");
        }

        @Override
        public Trigger parse(String body, TriggerParser nested) {
            SpecParams p = SpecParams.parse(body, Set.of("start"));
            return new FixedDelayTrigger(SpecParams.parseDuration("delay", p.main()), p.instant("start").orElse(null));
        }
    }
}
