package dev.chime.store.jdbc.fault;

import dev.chime.store.jdbc.TestDatabase;

/** The fault suite on PostgreSQL: the machine's server, and a private one for the restart. */
class PostgresqlFaultIT extends FaultSuite {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }

    @Override
    PrivateDatabase privateDatabase() throws Exception {
        database().assumeEnabled();
        return PrivateDatabase.postgresql();
    }
}
