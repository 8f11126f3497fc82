package dev.chime.internal;

import dev.chime.JobOptions;
import dev.chime.Trigger;
import dev.chime.internal.trigger.CommonParamsTrigger;
import dev.chime.internal.trigger.OnceTrigger;

/**
 * The default misfire grace of a one-shot job: none. A job that fires once is work someone asked
 * for, so by default it runs however late rather than being dropped (Quartz's "fire now" for
 * one-shot triggers); recurring triggers keep APScheduler's one second. A grace set on the job
 * applies as set.
 */
final class OneShotGrace {

    private OneShotGrace() {
    }

    static JobOptions effective(Trigger trigger, JobOptions options) {
        if (options.misfireGraceTimeSet() || !firesOnce(trigger)) {
            return options;
        }
        return options.toBuilder().unlimitedMisfireGrace().build();
    }

    private static boolean firesOnce(Trigger trigger) {
        Trigger t = trigger instanceof CommonParamsTrigger common ? common.delegate() : trigger;
        return t instanceof OnceTrigger;
    }
}
