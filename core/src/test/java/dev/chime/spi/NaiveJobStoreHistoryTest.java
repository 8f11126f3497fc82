package dev.chime.spi;

class NaiveJobStoreHistoryTest extends HistoryContract {

    @Override
    protected JobStore createStore() {
        return new NaiveJobStore();
    }
}
