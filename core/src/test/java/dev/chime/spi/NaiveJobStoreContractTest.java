package dev.chime.spi;

class NaiveJobStoreContractTest extends JobStoreContract {

    @Override
    protected JobStore createStore() {
        return new NaiveJobStore();
    }
}
