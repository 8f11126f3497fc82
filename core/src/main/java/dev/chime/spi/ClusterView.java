package dev.chime.spi;

import java.util.List;

/**
 * An optional capability of a {@link JobStore}: what it knows of the nodes sharing it, for
 * operators (the console's nodes page). A store implements this interface beside {@code JobStore}
 * when it can answer; callers test for it ({@code store instanceof ClusterView}) and show nothing
 * when it is absent. Read-only and never on the firing path: an implementation may take a
 * database round trip. Implementations are thread-safe.
 */
public interface ClusterView {

    /**
     * The nodes that share the store, this one included, each with its heartbeat age and the runs
     * it holds, in no particular order.
     *
     * @throws StoreUnavailableException when the store cannot be reached
     */
    List<NodeStatus> nodes();
}
