package dev.chime.store.jdbc.fault;

import dev.chime.spi.JobStore;
import dev.chime.spi.RunTicket;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Witnesses the engine's check before each body that its run is still its node's
 * ({@code holdsRun}, or {@code advanceRun} to the run's own fire time for a recovery or a retry):
 * when a check that said yes began, by the database's clock, for the body to record. A node frozen
 * after such a check and before its body began is a pause no check can see (only the fencing token
 * can); the invariants tell such a body from one that never checked by this stamp.
 *
 * <p>The engine makes that check on the worker thread that then runs the body, so a body is
 * credited only with the last check made on its own thread, of its own fire time, and only once.
 * Any other yes must not count: the dispatcher asking whether a waiting retry is still held, a run
 * moved on to its next queued fire time after the body before it (an {@code advanceRun} to another
 * fire time), an earlier attempt's check. Credited with one of those, a body that skipped its
 * check would pass, and one whose stamp fell before a freeze would be excused as frozen on its way.
 */
final class CheckWitness {

    private record Check(String key, long checkedMs) {
    }

    private final LongSupplier earliestMillis;
    private final ThreadLocal<Check> lastCheck = new ThreadLocal<>();

    CheckWitness(LongSupplier earliestMillis) {
        this.earliestMillis = earliestMillis;
    }

    /** The store as the engine sees it, with its checks witnessed. */
    JobStore wrap(JobStore store) {
        return (JobStore) Proxy.newProxyInstance(CheckWitness.class.getClassLoader(), new Class<?>[] {JobStore.class},
                (proxy, method, args) -> {
                    boolean check = isCheck(method.getName(), args);
                    long checkedMs = check ? earliestMillis.getAsLong() : 0;
                    if (check) {
                        lastCheck.remove(); // a check that says no, or throws, leaves no yes behind
                    }
                    Object answer;
                    try {
                        answer = method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (check && (Boolean.TRUE.equals(answer) || answer instanceof RunTicket)) {
                        lastCheck.set(new Check(key(((RunTicket) args[0]).jobId(), ((RunTicket) args[0]).fireTime()), checkedMs));
                    }
                    return answer;
                });
    }

    private static boolean isCheck(String method, Object[] args) {
        return method.equals("holdsRun")
                || method.equals("advanceRun") && ((RunTicket) args[0]).fireTime().equals(args[1]);
    }

    /**
     * When the check before the body of {@code jobId} at {@code fireTime}, starting now on this
     * thread, began; null if none was seen. Asked once, by the body.
     */
    Long checkOf(String jobId, Instant fireTime) {
        Check check = lastCheck.get();
        lastCheck.remove();
        return check != null && check.key().equals(key(jobId, fireTime)) ? check.checkedMs() : null;
    }

    private static String key(String jobId, Instant fireTime) {
        return jobId + "@" + fireTime.toEpochMilli();
    }
}
