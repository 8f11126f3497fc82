package dev.chime.spi;

/**
 * Makes a {@link JobStore}. Found with {@link java.util.ServiceLoader}; exactly one must be
 * available, or one chosen by name with {@code SchedulerBuilder.store(String)}.
 */
public interface JobStoreProvider {

    /** The store's name: {@code memory}, {@code jdbc}. */
    String name();

    JobStore create(ProviderContext context);
}
