package io.flopwatch.telemetry;

import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.SystemInfo;
import io.flopwatch.telemetry.interconnect.NicMonitor;
import io.flopwatch.telemetry.interconnect.NodeNics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one sampling loop: every interval it hands the GPUs to its reader threads ({@link GpuLanes}:
 * one lane reads them all in turn, more join only when GPUs are slow), waits for all of them until
 * a common deadline, builds an immutable {@link Snapshot} (GPUs
 * that missed the deadline keep their last values, marked stale), runs the analysis and
 * publishes the snapshot through an {@link AtomicReference}. Then it hands the snapshot to its
 * listeners (log lines).
 *
 * <p>NVML absent or the driver not loaded: the snapshot says so ({@code nvmlUp} false with the
 * reason) and the sampler retries with exponential backoff (1 s doubling to 60 s) until it
 * opens. The same holds when the driver goes away after a successful start (module unloaded,
 * driver reloaded or upgraded): when any GPU's collection gets a library-wide code
 * (UNINITIALIZED, DRIVER_NOT_LOADED, LIB_RM_VERSION_MISMATCH) or every GPU answers with a
 * driver-level code (those or GPU_IS_LOST; see {@link DriverLoss}), the sampler publishes NVML
 * down with the reason, closes the sessions (each on its reader's thread, after any call in
 * flight), and goes back to the retry path; when NVML opens again it enumerates the GPUs anew,
 * so GPUs that vanished leave the snapshot and new ones join it. One lost GPU among working ones
 * stays that GPU's problem: it is reported down and retried each cycle.
 *
 * <p>Runs on one named daemon thread ("flopwatch-sampler") whose loop catches everything, so
 * that one bad cycle never ends sampling. Tests call {@link #cycle()} directly with a fake
 * ticker instead.
 */
public final class Sampler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sampler.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(60);

    private final NvmlOpener opener;
    private final Map<String, Collector> collectors;
    /** Changed between cycles by {@link #retime} (a configuration reload); read by the sampling thread. */
    private volatile Duration interval;
    private volatile Duration deadline;
    private final Ticker ticker;
    private final Analyzer analyzer;
    private final AtomicReference<Snapshot> latest;
    private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();
    /** Adds what other sources measured to each cycle's records before the analysis (CUPTI); no native calls. */
    private volatile UnaryOperator<List<GpuRecord>> recordSources = UnaryOperator.identity();

    private final boolean watchXid;
    private XidWatcher xid;
    private NvmlSession control;
    private Optional<SystemInfo> system = Optional.empty();
    private boolean simulated;
    /** Reads the GPUs; null while NVML is not open. */
    private volatile GpuLanes lanes;
    private final Map<Integer, GpuRecord> lastRecords = new LinkedHashMap<>();
    private String nvmlReason = "not started";
    private long nextOpenAttemptNanos;
    private Duration retry = FIRST_RETRY;
    /** Whether some GPU answered since NVML was last opened: decides how soon a lost NVML is reopened. */
    private boolean answeredSinceOpen;
    private volatile boolean running;
    private Thread loop;
    /** The {@code infiniband} collector; null when off. Runs on the sampler's thread, once per cycle. */
    private NicMonitor nics;

    /**
     * @param deadline how long a cycle waits for the GPUs before it reports the late ones stale
     */
    public Sampler(NvmlOpener opener, Map<String, Collector> collectors, Duration interval, Duration deadline,
                   Ticker ticker, Analyzer analyzer) {
        this(opener, collectors, false, interval, deadline, ticker, analyzer);
    }

    /** @param watchXid wait for Xid events on a thread of their own (the {@code xid} collector) */
    public Sampler(NvmlOpener opener, Map<String, Collector> collectors, boolean watchXid, Duration interval,
                   Duration deadline, Ticker ticker, Analyzer analyzer) {
        this.watchXid = watchXid;
        this.opener = opener;
        this.collectors = Map.copyOf(new LinkedHashMap<>(collectors));
        this.interval = interval;
        this.deadline = deadline;
        this.ticker = ticker;
        this.analyzer = analyzer;
        this.latest = new AtomicReference<>(Snapshot.empty(ticker.now(), ticker.nanoTime(), nvmlReason));
        this.nextOpenAttemptNanos = ticker.nanoTime();
    }

    /** The last published snapshot; never null. */
    public Snapshot latest() {
        return latest.get();
    }

    /** Called with each snapshot after it is published, on the sampler's thread. */
    public void addListener(Consumer<Snapshot> listener) {
        listeners.add(listener);
    }

    /** Stops calling a listener added by {@link #addListener}. */
    public void removeListener(Consumer<Snapshot> listener) {
        listeners.remove(listener);
    }

    /**
     * Sets what completes each cycle's records before the analysis: the CUPTI devices merge their
     * interval means into the records' activity fields. Runs on the sampler's thread and must not
     * make native calls (those belong to the source's own threads).
     */
    public void setRecordSources(UnaryOperator<List<GpuRecord>> sources) {
        this.recordSources = sources;
    }

    public Duration interval() {
        return interval;
    }

    /**
     * A new interval and deadline, in force from the next cycle: a reload changes them without
     * reopening NVML, so the GPUs' sessions, Xid counts and last values carry on.
     */
    public void retime(Duration interval, Duration deadline) {
        this.interval = interval;
        this.deadline = deadline;
    }

    /** Reads the node's RDMA ports each cycle (the {@code infiniband} collector); call before {@link #start()}. */
    public void readNics(NicMonitor monitor) {
        this.nics = monitor;
    }

    /** Starts the sampling thread. */
    public synchronized void start() {
        if (loop != null) {
            return;
        }
        running = true;
        loop = new Thread(this::run, "flopwatch-sampler");
        loop.setDaemon(true);
        loop.start();
    }

    private void run() {
        while (running) {
            long started = System.nanoTime();
            try {
                cycle();
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // An escaped exception would end sampling for good; log it and go on.
                LOG.error("sampling cycle failed", t);
            }
            long sleepNanos = interval.toNanos() - (System.nanoTime() - started);
            if (sleepNanos > 0) {
                try {
                    Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One cycle: collect, analyze, publish, notify. Returns the published snapshot. */
    public Snapshot cycle() throws InterruptedException {
        if (control == null) {
            tryOpen();
        }
        List<GpuRecord> records = new ArrayList<>();
        if (control != null) {
            int driverFailures = 0;
            boolean libraryWide = false;
            int gpuCount = lanes.gpuCount();
            boolean allAtDriverLevel = gpuCount > 0;
            String lossReason = "";
            Duration cycleDeadline = deadline; // one value for the whole cycle, even if retimed meanwhile
            long deadlineNanos = System.nanoTime() + cycleDeadline.toNanos();
            // A GPU still in a hung call is not started again; it is waited for like the others.
            GpuLanes.Outcome[] outcomes = lanes.collect(deadlineNanos, GpuLanes.step(cycleDeadline));
            for (int index = 0; index < gpuCount; index++) {
                GpuLanes.Outcome o = outcomes[index];
                if (o != null) {
                    GpuRecord r = o.record();
                    var failure = o.driverFailure();
                    if (failure != null) {
                        driverFailures++;
                        if (DriverLoss.libraryWide(failure.returnCode()) || lossReason.isEmpty()) {
                            lossReason = failure.getMessage();
                        }
                        libraryWide |= DriverLoss.libraryWide(failure.returnCode());
                        allAtDriverLevel &= o.allFailedAtDriverLevel();
                    } else {
                        allAtDriverLevel = false;
                    }
                    r = withXid(r);
                    lastRecords.put(index, r);
                    records.add(r);
                } else {
                    allAtDriverLevel = false; // a GPU still in a call: not known to be gone
                    GpuRecord last = lastRecords.get(index);
                    String why = "collection did not finish within " + cycleDeadline.toMillis() + " ms";
                    GpuRecord stale = last != null ? last.stale(why)
                            : new GpuRecord.Builder(index).build(ticker.nanoTime(), false, why, Map.of());
                    stale = withXid(stale);
                    lastRecords.put(index, stale);
                    records.add(stale);
                }
            }
            if (libraryWide || (allAtDriverLevel && driverFailures == gpuCount)) {
                driverLost(lossReason);
                records.clear();
            } else if (records.stream().anyMatch(GpuRecord::up)) {
                answeredSinceOpen = true;
                retry = FIRST_RETRY;
            }
        }
        try {
            records = new ArrayList<>(recordSources.apply(records));
        } catch (RuntimeException e) {
            LOG.warn("merging CUPTI values failed; this cycle has NVML's only", e);
        }
        NodeNics nodeNics = NodeNics.NONE;
        Snapshot.CollectorSummary nicSummary = null;
        if (nics != null) {
            long t0 = ticker.nanoTime();
            NodeNics read = nics.read();
            // Timed and reported like the per-GPU collectors (flopwatch_collector_*{collector="infiniband"}).
            nicSummary = new Snapshot.CollectorSummary((ticker.nanoTime() - t0) / 1e9, read.error().isEmpty());
            nodeNics = read;
            records.replaceAll(r -> nics.attach(r, read));
        }
        long now = ticker.nanoTime();
        Analyzer.Result analysis = analyzer.analyze(records, now);
        Map<String, Snapshot.CollectorSummary> summaries = summarize(records);
        if (nicSummary != null) {
            summaries.put(Collectors.INFINIBAND, nicSummary);
        }
        Snapshot s = new Snapshot(ticker.now(), now, control != null, control != null ? "" : nvmlReason, simulated,
                system, records, analysis.gpus(), analysis.workloads(), summaries, nodeNics);
        latest.set(s);
        for (Consumer<Snapshot> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                LOG.warn("snapshot listener failed", e);
            }
        }
        return s;
    }

    /**
     * The driver went away under running sessions: forget the GPUs, close what can be closed
     * without waiting on a hung call, and retry opening from the next cycle on, with the same
     * backoff as at start.
     */
    private void driverLost(String reason) {
        LOG.warn("NVML lost ({}); closing the sessions and reopening", reason);
        lanes.closeLater();
        lanes = null;
        lastRecords.clear();
        if (xid != null) {
            xid.stopLater(); // its counts are by index, and indexes may mean other GPUs after the reload
            xid = null;
        }
        try {
            control.close(); // used by no one else: no call of ours can be in flight on it
        } catch (RuntimeException e) {
            LOG.debug("closing the NVML control session failed", e);
        }
        control = null;
        system = Optional.empty();
        nvmlReason = "NVML lost after start: " + reason;
        if (answeredSinceOpen) {
            // It worked until now: reopen at once (a quick reload), then back off as at start.
            retry = FIRST_RETRY;
            nextOpenAttemptNanos = ticker.nanoTime();
        } else {
            // Opened but lost again before any GPU answered (GPUs still gone): keep backing off
            // instead of reopening every cycle.
            backOff(ticker.nanoTime());
        }
    }

    private void backOff(long nowNanos) {
        nextOpenAttemptNanos = nowNanos + retry.toNanos();
        LOG.warn("NVML unavailable ({}); retrying in {} s", nvmlReason, retry.toSeconds());
        retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
    }

    /** How many reader lanes the last cycle woke (0 while NVML is not open); for tests. */
    int lanesInLastCycle() {
        GpuLanes l = lanes;
        return l == null ? 0 : l.lanesInLastRound();
    }

    /** Reader lane threads alive, retired ones included (0 while NVML is not open); for tests. */
    int liveLanes() {
        GpuLanes l = lanes;
        return l == null ? 0 : l.liveLanes();
    }

    private GpuRecord withXid(GpuRecord r) {
        if (xid == null) {
            return r;
        }
        XidWatcher.XidCount x = xid.count(r.index());
        return r.withXid(x.events(), x.lastXid());
    }

    private void tryOpen() {
        long now = ticker.nanoTime();
        if (now - nextOpenAttemptNanos < 0) {
            return;
        }
        NvmlSession s = null;
        try {
            s = opener.open();
            int count = s.deviceCount();
            system = Optional.of(s.system());
            simulated = s.simulated();
            lanes = new GpuLanes(count, opener, collectors, ticker); // its threads start with the first cycle
            if (watchXid) {
                xid = new XidWatcher(opener);
            }
            control = s;
            nvmlReason = "";
            answeredSinceOpen = false; // the backoff is reset once a GPU answers
            LOG.info("NVML opened: {} GPUs{}", count, simulated ? " (simulated)" : "");
        } catch (RuntimeException e) {
            if (lanes != null) {
                lanes.closeLater();
                lanes = null;
            }
            if (s != null && control == null) {
                try {
                    s.close(); // opened, but enumerating failed (driver went away again)
                } catch (RuntimeException ignored) {
                    // nothing more to release
                }
                system = Optional.empty();
            }
            nvmlReason = e.getMessage() == null ? e.toString() : e.getMessage();
            backOff(now);
        }
    }

    private Map<String, Snapshot.CollectorSummary> summarize(List<GpuRecord> records) {
        Map<String, Snapshot.CollectorSummary> out = new LinkedHashMap<>();
        for (String name : collectors.keySet()) {
            double longest = 0;
            boolean ok = !records.isEmpty();
            for (GpuRecord r : records) {
                GpuRecord.CollectorResult c = r.collectors().get(name);
                if (!r.up()) {
                    ok = false; // stale or unreachable: nothing collected this cycle
                } else if (c != null) {
                    longest = Math.max(longest, c.durationSeconds());
                    ok &= c.success();
                }
            }
            out.put(name, new Snapshot.CollectorSummary(longest, ok));
        }
        return out;
    }

    /**
     * Stops sampling, then lets each GPU's collection in flight finish (up to
     * {@code grace}) before its reader's NVML session closes, then closes the control session.
     */
    public void close(Duration grace) {
        running = false;
        Thread t;
        synchronized (this) {
            t = loop;
        }
        try {
            if (t != null) {
                t.interrupt();
                t.join(grace.toMillis());
            }
            if (lanes != null) {
                for (int gpu : lanes.close(grace.toMillis())) {
                    if (gpu >= 0) {
                        LOG.warn("GPU {} is still in an NVML call; leaving its session open", gpu);
                    } else {
                        LOG.warn("a GPU reader is still closing its NVML session");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (xid != null) {
            xid.close();
        }
        if (control != null) {
            control.close();
            control = null;
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }
}
