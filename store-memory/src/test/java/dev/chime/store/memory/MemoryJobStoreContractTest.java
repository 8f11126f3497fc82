package dev.chime.store.memory;

import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreContract;

class MemoryJobStoreContractTest extends JobStoreContract {

    @Override
    protected JobStore createStore() {
        return new MemoryJobStore();
    }
}
