package io.flopwatch.telemetry.cupti;

import io.flopwatch.cupti.ConfigImage;
import io.flopwatch.cupti.CuptiCondition;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.CuptiHost;
import io.flopwatch.cupti.MetricEvaluator;
import io.flopwatch.cupti.MetricProperties;
import io.flopwatch.cupti.MetricType;
import io.flopwatch.cupti.PmDecodeResult;
import io.flopwatch.cupti.PmSampler;
import io.flopwatch.cupti.PmSamplingSettings;
import io.flopwatch.cupti.PmTarget;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The CUPTI collector wired into the live agent: decides per GPU whether CUPTI runs ({@link CuptiMode},
 * GPM support), runs one {@link CuptiCollector} per chosen GPU on its own decode thread, and puts
 * each snapshot interval's means into the GPU's record ({@link CuptiActivity#merge}) from the
 * sampler's thread through {@link #apply}, which makes no native call.
 *
 * <p>The target side (cuInit, cuptiProfilerInitialize) is opened lazily by the first decode
 * thread that needs it, never on the sampler's thread; a failure there (no libcupti, no driver)
 * is logged once for the node, and each GPU's status says why. CUDA numbers devices its own way
 * (fastest first, or as CUDA_VISIBLE_DEVICES says), so each NVML GPU is matched to its CUDA
 * device by PCI bus id.
 *
 * <p>{@link #pause()} / {@link #resume()} only ask: each GPU's decode thread releases or takes the
 * counters on its next turn (within the decode interval), so the caller (an HTTP handler) never
 * makes a native call. {@link #close()} stops every decode thread and releases the counters, then
 * deinitializes the profiler.
 */
public final class CuptiDevices implements AutoCloseable {

    /** Opens the target side; the daemon passes {@code Cupti.target(library, driver)}. */
    @FunctionalInterface
    public interface TargetOpener {
        PmTarget open();
    }

    /** One GPU's CUPTI status, for the control endpoint. */
    public record DeviceStatus(int gpu, String pciBusId, CuptiCollector.Status status) {
    }

    private final CuptiMode mode;
    private final CuptiCollectorSettings settings;
    private final TargetOpener opener;
    private final CuptiMetricSets sets;
    private final Ticker ticker;
    private final Consumer<String> log;
    private final boolean gpmCollectorOn;
    private final boolean startThreads;

    /** Guarded by {@code this}. */
    private final Map<Integer, Device> devices = new LinkedHashMap<>();
    private boolean paused;
    private boolean closed;

    private final Object targetLock = new Object();
    /** Guarded by {@link #targetLock}. */
    private PmTarget target;
    private CuptiException targetFailure;
    private String targetFailureLogged = "";

    /**
     * @param gpmCollectorOn whether the {@code gpm} collector runs: when it does not, no GPU has
     *        GPM as far as {@code auto} is concerned
     * @param startThreads   run each GPU's decode loop on its own thread (the daemon); false: the
     *        caller steps them with {@link #stepAll()} (tests)
     */
    public CuptiDevices(CuptiMode mode, CuptiCollectorSettings settings, TargetOpener opener, CuptiMetricSets sets,
            Ticker ticker, Consumer<String> log, boolean gpmCollectorOn, boolean startThreads) {
        this.mode = mode;
        this.settings = settings;
        this.opener = opener;
        this.sets = sets;
        this.ticker = ticker;
        this.log = log;
        this.gpmCollectorOn = gpmCollectorOn;
        this.startThreads = startThreads;
    }

    private final class Device {
        final int gpu;
        final String pciBusId;
        final CuptiCollector collector;
        final CuptiDecodeLoop loop;

        Device(int gpu, String pciBusId) {
            this.gpu = gpu;
            this.pciBusId = pciBusId;
            this.collector = new CuptiCollector(new DeviceSampler(gpu, pciBusId), new TargetHost(), sets, settings,
                    ticker, CuptiDevices.this::logFromDevice);
            if (paused) {
                collector.requestPause();
            }
            if (startThreads) {
                loop = new CuptiDecodeLoop(List.of(collector), settings.decodeInterval(), CuptiDecodeLoop.threadSleep(),
                        log, "flopwatch-cupti-gpu" + gpu);
                loop.start();
            } else {
                loop = null;
            }
        }

        /** Stops the decode thread (if any) and releases the counters. */
        void close() {
            if (loop != null) {
                loop.close(); // closes the collector after the thread ends
            } else {
                collector.close();
            }
        }
    }

    /**
     * Called by the sampler with each cycle's records (on its thread; no native call here): starts
     * CUPTI on GPUs that want it, merges each running GPU's interval into its record, and releases
     * GPUs that left.
     */
    public synchronized List<GpuRecord> apply(List<GpuRecord> records) {
        if (closed) {
            return records;
        }
        List<GpuRecord> out = new ArrayList<>(records.size());
        Set<Integer> present = new HashSet<>();
        for (GpuRecord r : records) {
            String bus = r.identity().map(GpuIdentity::pciBusId).orElse("");
            Device d = devices.get(r.index());
            if (d != null && !bus.isEmpty() && !sameBus(d.pciBusId, bus)) {
                retire(devices.remove(r.index())); // another GPU at this index after a driver reload
                d = null;
            }
            if (d == null && !bus.isEmpty() && wanted(r)) {
                d = new Device(r.index(), bus);
                devices.put(r.index(), d);
            }
            if (d != null) {
                present.add(r.index());
                out.add(CuptiActivity.merge(r, d.collector.takeInterval(), mode == CuptiMode.ON));
            } else {
                out.add(r);
            }
        }
        var it = devices.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (!present.contains(e.getKey())) {
                retire(e.getValue()); // the GPU left the snapshot (removed, or NVML lost): free its counters
                it.remove();
            }
        }
        return out;
    }

    /** Whether CUPTI should run on this GPU: per mode, once GPM support is known. */
    boolean wanted(GpuRecord r) {
        Optional<Boolean> gpm = gpmCollectorOn ? r.activity().gpmSupported() : Optional.of(false);
        // auto waits for the gpm collector's answer rather than take counters GPM may not need
        return mode == CuptiMode.ON || (gpm.isPresent() && mode.enabledFor(gpm.get()));
    }

    private void retire(Device d) {
        if (startThreads) {
            // joining a decode thread can take a decode interval: not on the sampler's thread
            Thread t = new Thread(d::close, "flopwatch-cupti-release-gpu" + d.gpu);
            t.setDaemon(true);
            t.start();
        } else {
            d.close();
        }
    }

    /** "00000000:3B:00.0" (NVML) and "0000:3b:00.0" (CUDA) are the same device. */
    static boolean sameBus(String a, String b) {
        return normalizeBus(a).equals(normalizeBus(b));
    }

    static String normalizeBus(String id) {
        String[] parts = id.trim().toLowerCase(Locale.ROOT).split(":");
        if (parts.length != 3) {
            return id.trim().toLowerCase(Locale.ROOT);
        }
        try {
            return Long.parseLong(parts[0], 16) + ":" + Integer.parseInt(parts[1], 16) + ":" + parts[2];
        } catch (NumberFormatException e) {
            return id.trim().toLowerCase(Locale.ROOT);
        }
    }

    /** Asks every GPU's decode thread to release the counters (see the class comment). */
    public synchronized void pause() {
        paused = true;
        devices.values().forEach(d -> d.collector.requestPause());
    }

    /** Asks every GPU's decode thread to take the counters again. */
    public synchronized void resume() {
        paused = false;
        devices.values().forEach(d -> d.collector.requestResume());
    }

    public synchronized boolean paused() {
        return paused;
    }

    public CuptiMode mode() {
        return mode;
    }

    /** How long the decode threads take at most to apply a pause or resume. */
    public Duration applyWithin() {
        return settings.decodeInterval().multipliedBy(2).plusSeconds(1);
    }

    /** Every GPU CUPTI runs on (or tried to), by NVML index. */
    public synchronized List<DeviceStatus> statuses() {
        List<DeviceStatus> out = new ArrayList<>();
        devices.values().forEach(d -> out.add(new DeviceStatus(d.gpu, d.pciBusId, d.collector.status())));
        return out;
    }

    /** Whether every GPU has applied the last pause or resume. */
    public synchronized boolean settled() {
        for (Device d : devices.values()) {
            CuptiCollector.State s = d.collector.status().state();
            boolean isPaused = s == CuptiCollector.State.PAUSED;
            boolean holdsNothing = s == CuptiCollector.State.UNAVAILABLE || s == CuptiCollector.State.CLOSED;
            if (!holdsNothing && isPaused != paused) {
                return false;
            }
        }
        return true;
    }

    /** One decode turn of every GPU, on the caller's thread (tests; the daemon's threads do this). */
    public void stepAll() {
        List<Device> all;
        synchronized (this) {
            all = new ArrayList<>(devices.values());
        }
        for (Device d : all) {
            d.collector.step();
        }
    }

    /** Stops every decode thread, releases every GPU's counters, then deinitializes the profiler. */
    @Override
    public void close() {
        List<Device> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(devices.values());
            devices.clear();
        }
        // In parallel: each may wait up to its decode thread's join limit.
        List<Thread> closing = new ArrayList<>();
        for (Device d : all) {
            if (d.loop == null) {
                d.close();
            } else {
                Thread t = new Thread(d::close, "flopwatch-cupti-release-gpu" + d.gpu);
                t.setDaemon(true);
                t.start();
                closing.add(t);
            }
        }
        boolean allReleased = true;
        for (Thread t : closing) {
            try {
                t.join(settings.decodeInterval().multipliedBy(2).plusSeconds(6).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            allReleased &= !t.isAlive();
        }
        for (Device d : all) {
            allReleased &= d.loop == null || !d.loop.running();
        }
        if (!allReleased) {
            return; // a decode thread is stuck in CUPTI: deinitializing under it is not safe
        }
        synchronized (targetLock) {
            if (target != null) {
                try {
                    target.close();
                } catch (RuntimeException e) {
                    log.accept("CUPTI: deinitializing the profiler failed: " + e.getMessage());
                }
                target = null;
            }
        }
    }

    // ---- the target side, opened on a decode thread when first needed ----

    private PmTarget target() {
        synchronized (targetLock) {
            if (target != null) {
                return target;
            }
            if (closed) {
                throw new CuptiException("cuptiProfilerInitialize", -1, "flopwatch is stopping", CuptiCondition.NOT_AVAILABLE);
            }
            try {
                target = opener.open();
                targetFailure = null;
                return target;
            } catch (CuptiException e) {
                targetFailure = e;
                throw e;
            } catch (RuntimeException | LinkageError e) {
                targetFailure = new CuptiException("cuInit", -1, String.valueOf(e.getMessage()), CuptiCondition.NOT_AVAILABLE);
                throw targetFailure;
            }
        }
    }

    /**
     * A failure to open the target is the node's, not one GPU's: its line is logged once, not
     * once per GPU; everything else is logged as the GPU's collector says it.
     */
    private void logFromDevice(String line) {
        synchronized (targetLock) {
            if (targetFailure != null && line.contains(targetFailure.getMessage())) {
                if (!targetFailure.getMessage().equals(targetFailureLogged)) {
                    targetFailureLogged = targetFailure.getMessage();
                    log.accept("CUPTI PM sampling is unavailable on this node: " + targetFailure.getMessage());
                }
                return;
            }
        }
        log.accept(line);
    }

    private int cudaIndex(PmTarget t, int gpu, String pciBusId) {
        int count = t.deviceCount();
        boolean anyBusId = false;
        for (int i = 0; i < count; i++) {
            Optional<String> bus = t.pciBusId(i);
            anyBusId |= bus.isPresent();
            if (bus.isPresent() && sameBus(bus.get(), pciBusId)) {
                return i;
            }
        }
        if (!anyBusId && gpu < count) {
            return gpu; // the driver gives no bus ids: assume its order is NVML's (CUDA_DEVICE_ORDER=PCI_BUS_ID)
        }
        throw new CuptiException("cuDeviceGetPCIBusId", -1, "no CUDA device has PCI bus id " + pciBusId
                + " (CUDA_VISIBLE_DEVICES in flopwatch's environment may hide it)", CuptiCondition.NOT_AVAILABLE);
    }

    /** One GPU's sampler: resolves the target and the CUDA device on first use (on the decode thread). */
    private final class DeviceSampler implements PmSampler {
        private final int gpu;
        private final String pciBusId;
        private PmSampler delegate;

        DeviceSampler(int gpu, String pciBusId) {
            this.gpu = gpu;
            this.pciBusId = pciBusId;
        }

        private PmSampler delegate() {
            if (delegate == null) {
                PmTarget t = target();
                delegate = t.sampler(cudaIndex(t, gpu, pciBusId));
            }
            return delegate;
        }

        /** NVML's index, so log lines and statuses name the GPU as the metrics do. */
        @Override
        public int deviceIndex() {
            return gpu;
        }

        @Override
        public String chipName() {
            return delegate().chipName();
        }

        @Override
        public byte[] counterAvailability() {
            return delegate().counterAvailability();
        }

        @Override
        public void enable() {
            delegate().enable();
        }

        @Override
        public void setConfig(PmSamplingSettings s) {
            delegate().setConfig(s);
        }

        @Override
        public void start() {
            delegate().start();
        }

        @Override
        public PmDecodeResult decode() {
            return delegate().decode();
        }

        @Override
        public void stop() {
            if (delegate != null) {
                delegate.stop();
            }
        }

        @Override
        public void disable() {
            if (delegate != null) {
                delegate.disable();
            }
        }
    }

    /** The target's host API (reached only after a sampler opened the target). */
    private final class TargetHost implements CuptiHost {
        @Override
        public int apiVersion() {
            return target().host().apiVersion();
        }

        @Override
        public List<String> supportedChips() {
            return target().host().supportedChips();
        }

        @Override
        public List<String> baseMetrics(String chip, MetricType type) {
            return target().host().baseMetrics(chip, type);
        }

        @Override
        public MetricProperties metricProperties(String chip, String metric) {
            return target().host().metricProperties(chip, metric);
        }

        @Override
        public ConfigImage configImage(String chip, List<String> metrics, Optional<byte[]> counterAvailability) {
            return target().host().configImage(chip, metrics, counterAvailability);
        }

        @Override
        public MetricEvaluator evaluator(String chip, List<String> metrics, Optional<byte[]> counterAvailability) {
            return target().host().evaluator(chip, metrics, counterAvailability);
        }
    }
}
