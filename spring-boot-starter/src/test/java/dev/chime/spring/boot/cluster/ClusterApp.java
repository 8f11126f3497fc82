package dev.chime.spring.boot.cluster;

import dev.chime.ChimeEvent;
import dev.chime.JobContext;
import dev.chime.SchedulerListener;
import dev.chime.annotation.ScheduledJob;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/** One cluster node: a job that writes each firing into a sink table whose key is the fire time. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ClusterApp {

    @Bean
    Sink sink(JdbcTemplate jdbc, @Value("${sink.table}") String table, @Value("${chime.node-name}") String node) {
        return new Sink(jdbc, table, node);
    }

    @Bean
    Events events() {
        return new Events();
    }

    /** Every event this node's scheduler published. */
    public static final class Events implements SchedulerListener {
        public final List<ChimeEvent> heard = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(ChimeEvent event) {
            heard.add(event);
        }
    }

    public static final class Sink {
        private final JdbcTemplate jdbc;
        private final String table;
        private final String node;

        Sink(JdbcTemplate jdbc, String table, String node) {
            this.jdbc = jdbc;
            this.table = table;
            this.node = node;
        }

        /** A second run of one firing breaks the primary key and fails. */
        @ScheduledJob(id = "tick", interval = "PT0.5S")
        public void tick(JobContext ctx) {
            jdbc.update("INSERT INTO " + table + " (fire_time, node) VALUES (?, ?)", ctx.scheduledFireTime().toString(), node);
        }
    }
}
