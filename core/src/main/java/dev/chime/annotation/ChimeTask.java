package dev.chime.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a {@link dev.chime.Job} class as a task, so that schedule files and jobs added at run time
 * can refer to it, e.g. {@code "task": "send-digest"}. Read by the integrations (chime-guice's
 * package scan, the Spring Boot starter's bean scan); instances come from the application's
 * container, with their dependencies.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ChimeTask {

    /** The task name. */
    String value();
}
