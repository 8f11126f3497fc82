package dev.chime;

import java.util.Objects;

/**
 * Where a declared job comes from: which declarations put it in the store, at which version of the
 * code, from which source, and the trigger spec as declared (before it was anchored). Jobs added
 * through {@link Scheduler#add} have none and are never touched by {@link Scheduler#declare}.
 * Stored with the job (inside the options text core owns, so no store needs to know it). Immutable.
 *
 * @param group           the declarations this job belongs to (one per application)
 * @param version         the version of the code that declared it, see {@link Declarations#compareVersions}
 * @param source          the annotated class or method, or the schedule file, for reports
 * @param declaredTrigger the trigger spec as declared, compared at the next start
 */
public record JobOrigin(String group, String version, String source, String declaredTrigger) {

    public JobOrigin {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(declaredTrigger, "declaredTrigger");
    }
}
