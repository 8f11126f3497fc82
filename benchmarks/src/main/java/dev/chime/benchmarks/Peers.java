package dev.chime.benchmarks;

import java.util.Properties;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.impl.StdSchedulerFactory;

/** The peers as the harnesses configure them: Quartz with RAMJobStore and its own tuning knobs. */
final class Peers {

    private Peers() {
    }

    /** Quartz with RAMJobStore, 10 threads (as Chime's default), and batch acquisition turned up. */
    static Scheduler quartz(String name, int batch) throws SchedulerException {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", name);
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", "10");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "600000");
        p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", Integer.toString(batch));
        return new StdSchedulerFactory(p).getScheduler();
    }

    /** A Quartz job that only counts; the counter is handed in through a static, as Quartz instantiates jobs itself. */
    public static final class CountingQuartzJob implements Job {
        static volatile Runnable onRun = () -> { };

        @Override
        public void execute(JobExecutionContext context) {
            onRun.run();
        }
    }
}
