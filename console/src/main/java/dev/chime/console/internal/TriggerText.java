package dev.chime.console.internal;

import dev.chime.JobDefinition;
import dev.chime.JobOrigin;
import dev.chime.Trigger;
import java.time.Instant;
import java.util.function.Function;

/**
 * The trigger as the user wrote it, for people to read. What is stored may carry an anchor the user
 * never wrote: declarations put an {@code interval} without a start on the epoch's grid
 * ({@code interval:PT15S} is stored as {@code interval:PT15S;start=1970-01-01T00:00:15Z}) so that
 * every node of a cluster computes the same fire times. The rules, in order:
 * <ol>
 *   <li>a declared job shows its trigger as declared ({@link JobOrigin#declaredTrigger()}) while
 *       the stored trigger is still what that declaration stores;</li>
 *   <li>an {@code interval} whose start is its epoch anchor shows without it: the console anchors
 *       the intervals it adds that way too ({@link #anchorForConsole}), so its jobs read back as
 *       typed;</li>
 *   <li>anything else shows as stored (a trigger rescheduled since it was declared, an interval with
 *       a start someone chose, a job added by code with {@code Scheduler.add}).</li>
 * </ol>
 */
public final class TriggerText {

    private TriggerText() {
    }

    public static String display(JobDefinition job, Function<String, Trigger> parser) {
        String stored = job.trigger().spec();
        if (job.origin().isPresent()) {
            String declared = job.origin().get().declaredTrigger();
            if (storesAs(declared, stored, parser)) {
                return declared;
            }
        }
        String withoutStart = stored.replaceFirst(";start=[^;]*", "");
        if (!withoutStart.equals(stored) && storesAs(withoutStart, stored, parser)) {
            return withoutStart;
        }
        return stored;
    }

    /**
     * An {@code interval} without a start goes on the epoch's grid, as declarations do: the first
     * fire is at the next multiple of the interval since 1970 (a 15-second job at :00, :15, :30,
     * :45), the same on every node. Any other trigger is anchored by {@code Scheduler.add}.
     */
    public static Trigger anchorForConsole(Trigger trigger) {
        return trigger.spec().startsWith("interval:") ? trigger.anchoredAt(Instant.EPOCH) : trigger;
    }

    private static boolean storesAs(String written, String stored, Function<String, Trigger> parser) {
        try {
            return anchorForConsole(parser.apply(written)).spec().equals(stored);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
