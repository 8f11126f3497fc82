package dev.chime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Trigger;

/**
 * What a run runs: a job's task, data and options, or an enqueued task's (no job, no trigger).
 *
 * @param jobId      the job; null for an enqueued task
 * @param task       the task name
 * @param options    retry, timeout, max instances, recoverability
 * @param definition the job as read, for its parsed data and trigger; null for a task
 * @param dataJson   a task's data (a job's is in its definition)
 */
record Work(String jobId, String task, JobOptions options, JobDefinition definition, String dataJson) {

    static Work of(JobDefinition job) {
        return new Work(job.id(), job.task(), job.options(), job, job.dataJson());
    }

    static Work task(String task, JobOptions options, String dataJson) {
        return new Work(null, task, options, null, dataJson);
    }

    /** The job id as events and the job's context carry it: empty for a task. */
    String eventJobId() {
        return jobId == null ? "" : jobId;
    }

    /** The trigger, for a job; null for a task. */
    Trigger trigger() {
        return definition == null ? null : definition.trigger();
    }

    JsonNode data() {
        if (definition != null) {
            return definition.data();
        }
        return dataJson == null ? NullNode.getInstance() : Json.parse(dataJson, "data of " + describe());
    }

    /** Names the work in log lines. */
    String describe() {
        return jobId == null ? "task '" + task + "'" : "job '" + jobId + "'";
    }
}
