package dev.chime.guice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.JobDefinition;
import dev.chime.ScheduleFile;
import dev.chime.ScheduleFileException;
import dev.chime.Scheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScheduleFileTest {

    private final Scheduler scheduler = Scheduler.builder().build();

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    private List<JobDefinition> parse(String json) {
        return ScheduleFile.parse("beat.json", json, scheduler::parseTrigger);
    }

    @Test
    void readsJobsInFileOrderWithTheirOptionsAndData() {
        List<JobDefinition> jobs = parse("""
                {
                  "b-report": {"task": "report", "trigger": "cron:0 0 2 * * *;zone=Europe/Berlin",
                               "options": {"misfireGraceTime": "PT1H", "retry": {"maxRetries": 3, "initialBackoff": "PT1M"}},
                               "data": {"to": ["ops@example.com"]}},
                  "a-ping": {"task": "ping", "trigger": "interval:PT10S"}
                }
                """);
        assertThat(jobs).extracting(JobDefinition::id).containsExactly("b-report", "a-ping");
        JobDefinition report = jobs.get(0);
        assertThat(report.trigger().spec()).isEqualTo("cron:0 0 2 * * *;zone=Europe/Berlin");
        assertThat(report.options().misfireGraceTime()).contains(Duration.ofHours(1));
        assertThat(report.options().retry().maxRetries()).isEqualTo(3);
        assertThat(report.data().path("to").get(0).asText()).isEqualTo("ops@example.com");
    }

    @Test
    void everyErrorNamesTheFileTheJobAndTheField() {
        assertThatThrownBy(() -> parse("{\"x\": {\"task\": \"t\",\n \"trigger\": }}"))
                .isInstanceOf(ScheduleFileException.class).hasMessageStartingWith("beat.json: line 2, column 13: not valid JSON");
        assertThatThrownBy(() -> parse("[]")).hasMessage("beat.json: expected a JSON object of job id to job, got ARRAY");
        assertThatThrownBy(() -> parse("{\"x\": {\"trigger\": \"interval:PT1S\"}}"))
                .hasMessage("beat.json: job 'x': field 'task' is missing");
        assertThatThrownBy(() -> parse("{\"x\": {\"task\": 3, \"trigger\": \"interval:PT1S\"}}"))
                .hasMessage("beat.json: job 'x': field 'task' must be a non-empty string, got 3");
        assertThatThrownBy(() -> parse("{\"x\": {\"task\": \"t\", \"trigger\": \"interval:PT1S\", \"schedule\": 1}}"))
                .hasMessage("beat.json: job 'x': unknown field 'schedule' (known: data, options, task, trigger)");
        assertThatThrownBy(() -> parse("{\"x\": {\"task\": \"t\", \"trigger\": \"every:PT1S\"}}"))
                .hasMessageStartingWith("beat.json: job 'x': field 'trigger': ").hasMessageContaining("every");
        assertThatThrownBy(() -> parse("{\"x\": {\"task\": \"t\", \"trigger\": \"interval:PT1S\", \"options\": {\"maxInstances\": 0}}}"))
                .hasMessageStartingWith("beat.json: job 'x': field 'options': ").hasMessageContaining("maxInstances");
        assertThatThrownBy(() -> parse("{\"x\": {\"task\": \"t\", \"trigger\": \"interval:PT1S\", \"options\": {\"retries\": 2}}}"))
                .hasMessage("beat.json: job 'x': field 'options': unknown field 'retries' (known: coalesce, maxInstances, "
                        + "misfireGraceTime, recoverable, retry, timeout)");
        assertThatThrownBy(() -> ScheduleFile.read(Path.of("no/such/beat.json"), scheduler::parseTrigger))
                .hasMessage("no" + java.io.File.separator + "such" + java.io.File.separator + "beat.json: no such file");
    }
}
