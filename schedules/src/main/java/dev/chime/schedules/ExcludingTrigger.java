package dev.chime.schedules;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * A trigger whose fire times on excluded instants are skipped: the next one that the calendar
 * allows is found instead (at most {@value #MAX_SKIPS} skips, then a clear error). The calendar is
 * part of the spec, so every store keeps it with the job. Spec:
 * {@code excluding:(<trigger spec>)(<calendar spec>)[;name=<name>][;zone=<zone>]}, e.g.
 * {@code excluding:(cron:0 9 * * *)(union:(weekends)(annual:12-25,01-01));name=holidays;zone=Europe/Berlin}.
 * Immutable.
 */
public record ExcludingTrigger(Trigger trigger, ExclusionCalendar calendar, String name, ZoneId zone) implements Trigger {

    public static final String TYPE = "excluding";
    public static final int MAX_SKIPS = 100_000;

    public ExcludingTrigger {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(calendar, "calendar");
        Objects.requireNonNull(zone, "zone");
    }

    /** @throws IllegalStateException when {@value #MAX_SKIPS} fire times in a row are excluded */
    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        Optional<Instant> next = trigger.nextFireTime(context);
        for (int skips = 0; next.isPresent() && calendar.excludes(next.get(), zone); skips++) {
            if (skips == MAX_SKIPS) {
                throw new IllegalStateException("excluding: " + MAX_SKIPS + " fire times in a row of " + trigger.spec()
                        + " are excluded by " + calendar.spec() + " (last " + next.get() + "); it may never fire");
            }
            next = trigger.nextFireTime(new TriggerContext(context.now(), next.get(), null));
        }
        return next;
    }

    @Override
    public boolean dependsOnCompletion() {
        return trigger.dependsOnCompletion();
    }

    @Override
    public Trigger anchoredAt(Instant now) {
        Trigger anchored = trigger.anchoredAt(now);
        return anchored == trigger ? this : new ExcludingTrigger(anchored, calendar, name, zone);
    }

    @Override
    public String spec() {
        StringBuilder sb = new StringBuilder(TYPE).append(":(").append(trigger.spec()).append(")(").append(calendar.spec()).append(')');
        if (name != null) {
            sb.append(";name=").append(name);
        }
        if (!zone.getId().equals("UTC") && !zone.getId().equals("Z")) {
            sb.append(";zone=").append(zone.getId());
        }
        return sb.toString();
    }

    /** {@code "every hour, except on weekends"}, or {@code "..., except holidays"} when the calendar has a name. */
    @Override
    public String describe() {
        String zoneText = zone.getId().equals("UTC") || zone.getId().equals("Z") ? "" : " (" + zone.getId() + ")";
        return trigger.describe() + ", except " + (name != null ? name : calendar.describe()) + zoneText;
    }
}
