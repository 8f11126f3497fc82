package dev.chime;

import dev.chime.internal.DefaultScheduler;
import dev.chime.internal.PluginLoader;
import dev.chime.internal.RegisteredTasks;
import dev.chime.internal.SimpleProviderContext;
import dev.chime.internal.StoreSelector;
import dev.chime.internal.TriggerRegistry;
import dev.chime.spi.JobFactory;
import dev.chime.spi.JobStore;
import dev.chime.spi.JobStoreProvider;
import dev.chime.spi.ListenerProvider;
import dev.chime.spi.ProviderContext;
import dev.chime.spi.TriggerProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configures and builds a {@link Scheduler}. Plugins (trigger types, job stores, listeners) are
 * found with {@link java.util.ServiceLoader}; each can also be registered by hand, which is what
 * fat jars that lost their {@code META-INF/services} files need. Not thread-safe.
 */
public final class SchedulerBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerBuilder.class);
    private static final AtomicInteger NAMES = new AtomicInteger();
    /** A parked firing holds a worker and its claim; more than a second of that is a mistake. */
    private static final Duration MAX_CLAIM_AHEAD = Duration.ofSeconds(1);

    private String name;
    private Clock clock = Clock.systemUTC();
    private final Map<String, Job> tasks = new LinkedHashMap<>();
    private JobFactory jobFactory;
    private JobStore store;
    private String storeName;
    private final List<JobStoreProvider> storeProviders = new ArrayList<>();
    private final List<TriggerProvider> triggerProviders = new ArrayList<>();
    private final List<ListenerProvider> listenerProviders = new ArrayList<>();
    private final List<SchedulerListener> listeners = new ArrayList<>();
    private final Map<String, String> properties = new HashMap<>();
    private final List<Object> components = new ArrayList<>();
    private ExecutorService executor;
    private int threads = 10;
    private Duration pollInterval = Duration.ofMillis(500);
    private int maxInFlight;
    private Duration claimAhead;
    private Duration historyMaxAge = Duration.ofDays(7);
    private int historyMaxPerJob = 1_000;
    private boolean discoverPlugins = true;
    private ClassLoader classLoader = SchedulerBuilder.class.getClassLoader();

    SchedulerBuilder() {
    }

    /** A name for logs and thread names; defaults to {@code chime-N}. */
    public SchedulerBuilder name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * The clock every read of the time goes through. A {@link TestClock} also drives the
     * scheduler: no dispatcher thread is started and time moves only with {@link TestClock#advance}.
     */
    public SchedulerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** Registers the instance that runs every job with this task name. */
    public SchedulerBuilder task(String task, Job job) {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("task name must not be blank");
        }
        if (tasks.putIfAbsent(task, Objects.requireNonNull(job, "job")) != null) {
            throw new IllegalArgumentException("task '" + task + "' is registered twice");
        }
        return this;
    }

    /** Resolves the task names that were not registered with {@link #task}, e.g. through a DI container. */
    public SchedulerBuilder jobFactory(JobFactory jobFactory) {
        this.jobFactory = Objects.requireNonNull(jobFactory, "jobFactory");
        return this;
    }

    /** Uses this store instance; it is not closed at shutdown (whoever made it owns it). */
    public SchedulerBuilder store(JobStore store) {
        this.store = Objects.requireNonNull(store, "store");
        return this;
    }

    /** Chooses a store provider by name ({@code memory}, {@code jdbc}) when several are on the classpath. */
    public SchedulerBuilder store(String providerName) {
        this.storeName = Objects.requireNonNull(providerName, "providerName");
        return this;
    }

    public SchedulerBuilder storeProvider(JobStoreProvider provider) {
        storeProviders.add(Objects.requireNonNull(provider, "provider"));
        return this;
    }

    public SchedulerBuilder triggerProvider(TriggerProvider provider) {
        triggerProviders.add(Objects.requireNonNull(provider, "provider"));
        return this;
    }

    public SchedulerBuilder listenerProvider(ListenerProvider provider) {
        listenerProviders.add(Objects.requireNonNull(provider, "provider"));
        return this;
    }

    public SchedulerBuilder listener(SchedulerListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** A setting for providers, e.g. {@code jdbc.tablePrefix}. */
    public SchedulerBuilder property(String key, String value) {
        properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** An object providers may ask for by type, e.g. a {@code DataSource} or a {@code MeterRegistry}. */
    public SchedulerBuilder component(Object component) {
        components.add(Objects.requireNonNull(component, "component"));
        return this;
    }

    /**
     * Runs jobs on this executor (e.g. {@code Executors.newVirtualThreadPerTaskExecutor()} on Java
     * 21+). The scheduler does not shut it down.
     */
    public SchedulerBuilder executor(ExecutorService executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** The size of the default executor's thread pool (default 10, as APScheduler's). */
    public SchedulerBuilder threads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " must be at least 1");
        }
        this.threads = threads;
        return this;
    }

    /** How often the dispatcher looks at the store even when nothing is due (changes by other nodes). */
    public SchedulerBuilder pollInterval(Duration pollInterval) {
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval: " + pollInterval + " must be positive");
        }
        this.pollInterval = pollInterval;
        return this;
    }

    /**
     * The most attempts this scheduler takes on at once (queued in the executor, running, or parked
     * until due) before it stops claiming due firings; the rest wait in the store, where another
     * node may take them. Within it the scheduler claims only what it can start soon: its free
     * workers, and more only while attempts are short enough for the workers to get through them
     * within 10 ms. Default: 100 per thread of the default executor, 1,024 with your own executor.
     */
    public SchedulerBuilder maxInFlight(int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " must be at least 1");
        }
        this.maxInFlight = maxInFlight;
        return this;
    }

    /**
     * How far ahead of its fire time a firing may be claimed and handed to a free worker, which
     * parks until the fire time and then runs it: the firing then starts on one thread's wake-up
     * instead of the dispatcher's and then a worker's (Quartz calls this its acquisition window).
     * Only free workers take firings ahead, one each, and one worker always stays free (a single-worker
     * scheduler parks nothing); the firing keeps its claim while parked, so a
     * change to the job in the meantime wins, and pause or shutdown put it back unrun. Zero turns it
     * off. Default on a real clock: on a store shared with other nodes, 50 ms on every node (a
     * database's claim takes milliseconds, tens when every node claims at one instant, and a firing
     * whose claim answers after its fire time is not parked at all; one window for all nodes, so
     * that none claims every instant before the others because its window is wider); on a store of one node, 5 ms, or four times the store's recent round trip
     * of claims that found firings when that is longer, up to 100 ms. A window set here is fixed. Zero with a
     * {@link TestClock}, whose passes fire what is due at their instant (set it to test parking).
     * Ignored with an executor whose thread count the scheduler cannot tell (not a
     * {@code ThreadPoolExecutor}).
     */
    public SchedulerBuilder claimAhead(Duration claimAhead) {
        Objects.requireNonNull(claimAhead, "claimAhead");
        if (claimAhead.isNegative() || claimAhead.compareTo(MAX_CLAIM_AHEAD) > 0) {
            throw new IllegalArgumentException("claimAhead: " + claimAhead + " must be between 0 and " + MAX_CLAIM_AHEAD);
        }
        this.claimAhead = claimAhead;
        return this;
    }

    /**
     * How much run history to keep ({@link Scheduler#history}): runs that finished within
     * {@code maxAge}, at most the newest {@code maxPerJob} of each job. Default 7 days and 1,000
     * per job. Older runs are deleted once a minute, in batches; in a cluster one node at a time
     * does it. A store may keep less (the memory store keeps a bounded number in all).
     */
    public SchedulerBuilder historyRetention(Duration maxAge, int maxPerJob) {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("historyRetention: maxAge " + maxAge + " must be positive");
        }
        if (maxPerJob < 1) {
            throw new IllegalArgumentException("historyRetention: maxPerJob " + maxPerJob + " must be at least 1");
        }
        this.historyMaxAge = maxAge;
        this.historyMaxPerJob = maxPerJob;
        return this;
    }

    /** Whether to look for plugins with ServiceLoader (default true); hand-registered ones are always used. */
    public SchedulerBuilder discoverPlugins(boolean discover) {
        this.discoverPlugins = discover;
        return this;
    }

    /** The class loader plugins are looked up in. */
    public SchedulerBuilder classLoader(ClassLoader classLoader) {
        this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
        return this;
    }

    /**
     * Builds the scheduler; it does not fire before {@link Scheduler#start()}.
     *
     * @throws SchedulerConfigurationException when no job store, or more than one without a choice, is available
     */
    public Scheduler build() {
        String schedulerName = name != null ? name : "chime-" + NAMES.incrementAndGet();
        ProviderContext context = new SimpleProviderContext(clock, properties, components);
        TriggerRegistry triggers = new TriggerRegistry(PluginLoader.load(TriggerProvider.class, TriggerProvider::type,
                triggerProviders, discoverPlugins, classLoader));

        JobStore chosenStore = store;
        boolean ownsStore = false;
        if (chosenStore == null) {
            JobStoreProvider provider = StoreSelector.select(PluginLoader.load(JobStoreProvider.class, JobStoreProvider::name,
                    storeProviders, discoverPlugins, classLoader), storeName);
            chosenStore = provider.create(context);
            ownsStore = true;
            LOG.info("scheduler '{}' uses the '{}' job store from {}", schedulerName, provider.name(),
                    PluginLoader.describe(provider));
        }

        List<SchedulerListener> allListeners = new ArrayList<>(listeners);
        for (ListenerProvider provider : PluginLoader.load(ListenerProvider.class, ListenerProvider::id, listenerProviders,
                discoverPlugins, classLoader).values()) {
            try {
                allListeners.add(provider.create(context));
            } catch (RuntimeException e) {
                LOG.error("listener provider '{}' ({}) failed to create its listener; going on without it", provider.id(),
                        PluginLoader.describe(provider), e);
            }
        }

        boolean ownsExecutor = executor == null;
        ExecutorService exec = ownsExecutor ? defaultExecutor(schedulerName) : executor;
        boolean driveByClock = clock instanceof TestClock;
        DefaultScheduler scheduler = new DefaultScheduler(new DefaultScheduler.Parts(schedulerName, clock, chosenStore,
                ownsStore, triggers, new RegisteredTasks(tasks, jobFactory), exec, ownsExecutor, allListeners,
                pollInterval, driveByClock, maxInFlight > 0 ? maxInFlight : ownsExecutor ? 100 * threads : 1024,
                claimAhead, historyMaxAge, historyMaxPerJob));
        if (driveByClock) {
            ((TestClock) clock).drive(scheduler);
        }
        return scheduler;
    }

    private ExecutorService defaultExecutor(String schedulerName) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, schedulerName + "-worker-" + n.incrementAndGet());
            t.setDaemon(false);
            return t;
        };
        // Bounded threads, unbounded queue: a burst of due jobs waits its turn instead of being rejected.
        return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    }
}
