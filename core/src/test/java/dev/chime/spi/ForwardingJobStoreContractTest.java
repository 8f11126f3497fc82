package dev.chime.spi;

/**
 * A wrapper built on {@link ForwardingJobStore} that overrides nothing passes the whole contract:
 * every call reaches the store it wraps, none falls back to something weaker.
 */
class ForwardingJobStoreContractTest extends JobStoreContract {

    @Override
    protected JobStore createStore() {
        return new ForwardingJobStore(new NaiveJobStore()) {
        };
    }
}
