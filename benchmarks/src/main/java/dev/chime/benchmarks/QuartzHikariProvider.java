package dev.chime.benchmarks;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.quartz.utils.ConnectionProvider;

/** Hands Quartz's clustered JDBC store a HikariCP pool, as the other schedulers get one. */
public final class QuartzHikariProvider implements ConnectionProvider {

    static volatile DataSource dataSource;

    @Override
    public Connection getConnection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void shutdown() {
    }

    @Override
    public void initialize() {
    }
}
