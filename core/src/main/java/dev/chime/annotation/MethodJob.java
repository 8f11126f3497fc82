package dev.chime.annotation;

import dev.chime.Job;
import dev.chime.JobContext;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/** Runs a {@code @ScheduledJob} method on its target; the method's own exception is the failure. */
final class MethodJob implements Job {

    private final Object target;
    private final Method method;

    MethodJob(Object target, Method method) {
        this.target = target;
        this.method = method;
    }

    @Override
    public void execute(JobContext context) throws Exception {
        try {
            if (method.getParameterCount() == 0) {
                method.invoke(target);
            } else {
                method.invoke(target, context);
            }
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return method.getDeclaringClass().getName() + "#" + method.getName();
    }
}
