package dev.chime.benchmarks;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Quartz's own PostgreSQL tables, fresh, with the lock rows of one scheduler name already in place. */
final class QuartzSchema {

    private QuartzSchema() {
    }

    static void create(DataSource ds, String schedulerName) throws Exception {
        String script;
        try (InputStream in = org.quartz.Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder body = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("#") && !line.trim().startsWith("--")) {
                body.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String s : body.toString().split(";")) {
            if (!s.isBlank() && !s.trim().equalsIgnoreCase("commit")) {
                statements.add(s.trim());
            }
        }
        // Quartz inserts its lock rows on first use, and concurrent first uses collide on the key.
        statements.add("INSERT INTO qrtz_locks (sched_name, lock_name) VALUES ('" + schedulerName + "', 'TRIGGER_ACCESS'), "
                + "('" + schedulerName + "', 'STATE_ACCESS')");
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            for (String statement : statements) {
                st.execute(statement);
            }
        }
    }
}
