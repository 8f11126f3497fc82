package dev.chime.store.jdbc.fault;

import dev.chime.store.jdbc.TestDatabase;

/** The fault suite on MariaDB: the machine's server, and a private one for the restart. */
class MariadbFaultIT extends FaultSuite {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }

    @Override
    PrivateDatabase privateDatabase() throws Exception {
        database().assumeEnabled();
        return PrivateDatabase.mariadb();
    }
}
