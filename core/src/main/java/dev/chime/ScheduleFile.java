package dev.chime;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A declared schedule in JSON, like Celery's {@code beat_schedule}: job id to task, trigger spec,
 * options and data.
 *
 * <pre>{@code
 * {
 *   "nightly-report": {
 *     "task": "report",
 *     "trigger": "cron:0 0 2 * * *;zone=Europe/Berlin",
 *     "options": {"misfireGraceTime": "PT1H", "retry": {"maxRetries": 3, "initialBackoff": "PT1M"}},
 *     "data": {"recipients": ["ops@example.com"]}
 *   }
 * }
 * }</pre>
 *
 * <p>Each entry is a job in {@link JobJson its JSON form}. Every error names the file, the job and
 * the field.
 */
public final class ScheduleFile {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ScheduleFile() {
    }

    /**
     * Reads the file's jobs, in file order.
     *
     * @param triggers parses a trigger spec, e.g. {@code scheduler::parseTrigger}
     * @throws ScheduleFileException naming the file, the job and the field that is wrong
     */
    public static List<JobDefinition> read(Path file, Function<String, Trigger> triggers) {
        String name = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ScheduleFileException(name + ": no such file");
        } catch (IOException e) {
            throw new ScheduleFileException(name + ": cannot be read: " + e.getMessage(), e);
        }
        return parse(name, text, triggers);
    }

    /** Parses schedule JSON; {@code name} stands for the file in error messages. */
    public static List<JobDefinition> parse(String name, String json, Function<String, Trigger> triggers) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : ": line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ScheduleFileException(name + where + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ScheduleFileException(name + ": expected a JSON object of job id to job, got "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        List<JobDefinition> jobs = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            jobs.add(job(name + ": job '" + entry.getKey() + "'", entry.getKey(), entry.getValue(), triggers));
        }
        return List.copyOf(jobs);
    }

    private static JobDefinition job(String where, String id, JsonNode node, Function<String, Trigger> triggers) {
        if (id.isBlank()) {
            throw new ScheduleFileException(where + ": a job id must not be blank");
        }
        if (!node.isObject()) {
            throw new ScheduleFileException(where + ": expected an object with task and trigger, got " + node.getNodeType());
        }
        try {
            return JobJson.read(id, node, Set.of(), triggers);
        } catch (IllegalArgumentException e) {
            throw new ScheduleFileException(where + ": " + e.getMessage(), e);
        }
    }
}
