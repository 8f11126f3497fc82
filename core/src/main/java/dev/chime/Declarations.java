package dev.chime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The jobs an application declares in its code (annotations, schedule files), handed to
 * {@link Scheduler#declare} at each start so that the store follows the code:
 *
 * <ul>
 *   <li>a declared job that is not stored is added; one whose declaration changed is replaced; an
 *       unchanged one is left as it is, keeping its schedule, pause state and last outcome;</li>
 *   <li>a job that an earlier start of the same {@linkplain Builder#group group} declared and this
 *       one does not is removed, or with {@link StaleJobs#PAUSE} paused and reported at every start;</li>
 *   <li>jobs added through the API carry no {@link JobOrigin} and are never touched;</li>
 *   <li>in a rolling deploy the newest code wins: every declared job records the
 *       {@linkplain Builder#version version} that declared it, and a node whose version is older
 *       than the newest one stored changes nothing (it logs that newer declarations are in force).
 *       Nodes of equal version are assumed to run the same code: the last to start wins.</li>
 * </ul>
 *
 * <p>A trigger relative to the moment it is added is anchored as follows: {@code interval} at the
 * epoch ({@code interval:PT10S} fires at :00, :10, :20... on every node), anything else at the moment
 * the job is first declared (a {@code calendar-interval} without {@code start} starts on the day it
 * was first declared, as for a job added through the API). Later starts compare the declared spec,
 * not the anchored one, so the anchor is kept.
 *
 * <p>Immutable; build with {@link #builder()}.
 */
public final class Declarations {

    /** What happens to a job an earlier start declared and this one no longer does. */
    public enum StaleJobs {
        /** Removed from the store (the default). */
        REMOVE,
        /** Paused and reported in the log at every start, for an operator to remove. */
        PAUSE
    }

    /** One declared job and where it was declared (a class, a method, a file). */
    public record Declared(JobDefinition job, String source) {
        public Declared {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(source, "source");
        }
    }

    private final String group;
    private final String version;
    private final StaleJobs staleJobs;
    private final List<Declared> jobs;

    private Declarations(Builder b) {
        this.group = b.group;
        this.version = b.version;
        this.staleJobs = b.staleJobs;
        this.jobs = List.copyOf(b.jobs.values());
    }

    public static Builder builder() {
        return new Builder();
    }

    public String group() {
        return group;
    }

    public String version() {
        return version;
    }

    public StaleJobs staleJobs() {
        return staleJobs;
    }

    /** The declared jobs, in declaration order. */
    public List<Declared> jobs() {
        return jobs;
    }

    /**
     * Orders versions as people write them: split into runs of digits and of other characters,
     * digits compared as numbers, the rest as text; {@code 1.10 > 1.9}, {@code 2026.12.02 > 2026.11.30}.
     * A version that is a prefix of the other is older ({@code 1.2 < 1.2.1}).
     */
    public static int compareVersions(String a, String b) {
        List<String> x = tokens(a);
        List<String> y = tokens(b);
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            String p = x.get(i);
            String q = y.get(i);
            boolean pn = Character.isDigit(p.charAt(0));
            boolean qn = Character.isDigit(q.charAt(0));
            int c;
            if (pn && qn) {
                String ps = p.replaceFirst("^0+(?=.)", "");
                String qs = q.replaceFirst("^0+(?=.)", "");
                c = ps.length() != qs.length() ? Integer.compare(ps.length(), qs.length()) : ps.compareTo(qs);
            } else {
                c = pn != qn ? (pn ? 1 : -1) : p.compareTo(q);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.size(), y.size());
    }

    private static List<String> tokens(String version) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < version.length()) {
            char ch = version.charAt(i);
            if (!Character.isLetterOrDigit(ch)) {
                i++;
                continue;
            }
            boolean digit = Character.isDigit(ch);
            int j = i;
            while (j < version.length() && Character.isLetterOrDigit(version.charAt(j))
                    && Character.isDigit(version.charAt(j)) == digit) {
                j++;
            }
            out.add(version.substring(i, j));
            i = j;
        }
        return out;
    }

    /** Not thread-safe; {@link #build()} returns an immutable value. */
    public static final class Builder {
        private String group = "default";
        private String version = "0";
        private StaleJobs staleJobs = StaleJobs.REMOVE;
        private final Map<String, Declared> jobs = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * The name of this application's declarations (default {@code default}). Applications that
         * share one store keep their declarations apart with different groups.
         */
        public Builder group(String group) {
            if (group == null || group.isBlank()) {
                throw new IllegalArgumentException("declarations group: must not be blank");
            }
            this.group = group;
            return this;
        }

        /**
         * The version of the code that declares these jobs (default {@code 0}), ordered by
         * {@link #compareVersions}: a build number, a release version, a date. Give one that grows
         * with each deploy for rolling deploys to converge on the newest code's declarations.
         */
        public Builder version(String version) {
            if (version == null || version.isBlank()) {
                throw new IllegalArgumentException("declarations version: must not be blank");
            }
            this.version = version;
            return this;
        }

        public Builder staleJobs(StaleJobs staleJobs) {
            this.staleJobs = Objects.requireNonNull(staleJobs, "staleJobs");
            return this;
        }

        /**
         * Adds a declared job.
         *
         * @param source where it is declared, e.g. {@code method com.acme.Reports#nightly}
         * @throws IllegalArgumentException if the id is declared twice, naming both sources
         */
        public Builder job(JobDefinition job, String source) {
            Declared declared = new Declared(job, source);
            Declared before = jobs.putIfAbsent(job.id(), declared);
            if (before != null) {
                throw new IllegalArgumentException("job id '" + job.id() + "' is declared twice: by " + before.source()
                        + " and by " + source);
            }
            return this;
        }

        public Declarations build() {
            return new Declarations(this);
        }
    }
}
