package dev.chime;

/**
 * The work a scheduled job does. Register an instance under a task name with
 * {@link SchedulerBuilder#task(String, Job)} (or resolve it through a {@link dev.chime.spi.JobFactory}).
 *
 * <p>One instance may run on several threads at once when a job allows more than one concurrent
 * instance, so implementations must be thread-safe or stateless.
 */
@FunctionalInterface
public interface Job {

    /**
     * Runs one attempt of one firing. Returning normally is a success; throwing is a failure that
     * may be retried according to the job's {@link RetryPolicy}. A job that runs past its timeout is
     * interrupted and sees {@link JobContext#isCancelled()} become true: long-running work should
     * check it.
     */
    void execute(JobContext context) throws Exception;
}
