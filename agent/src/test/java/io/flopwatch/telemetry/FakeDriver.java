package io.flopwatch.telemetry;

import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.FieldValue;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.GpuArchitecture;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.NvmlException;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlUnavailableException;
import io.flopwatch.nvml.ProcessUtilization;
import io.flopwatch.nvml.Reliability;
import io.flopwatch.nvml.SystemInfo;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written NVML driver that can be unloaded and reloaded under open sessions, with a GPU
 * set that may change across the reload. Sessions opened before an unload answer every call
 * with NVML_ERROR_DRIVER_NOT_LOADED (9) or, after a reload, NVML_ERROR_UNINITIALIZED (1): a
 * session belongs to the driver instance it was opened on (nvml.h: "NVML was not first
 * initialized with nvmlInit()"). Only what the sampler and the test's collector call is
 * implemented.
 */
final class FakeDriver {
    private volatile boolean loaded = true;
    private volatile int generation;
    private volatile List<String> uuids;
    private final Set<Integer> lost = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger openSessions = new AtomicInteger();
    /** Sessions closed on another thread than the one that opened them ("opened on A, closed on B"). */
    final List<String> closedElsewhere = new java.util.concurrent.CopyOnWriteArrayList<>();

    FakeDriver(String... uuids) {
        this.uuids = List.of(uuids);
    }

    void unload() {
        loaded = false;
    }

    /** Loads the driver again with {@code gpus}; sessions of the old driver stay broken. */
    void reload(String... gpus) {
        uuids = List.of(gpus);
        lost.clear();
        generation++;
        loaded = true;
    }

    /** NVML_ERROR_GPU_IS_LOST (15) on every call about GPU {@code index}. */
    void lose(int index) {
        lost.add(index);
    }

    NvmlSession open() {
        if (!loaded) {
            throw new NvmlUnavailableException("nvmlInit_v2", 9, "Driver Not Loaded",
                    "NVIDIA driver not loaded (NVML error 9: Driver Not Loaded)", null);
        }
        opens.incrementAndGet();
        openSessions.incrementAndGet();
        return new Session(generation);
    }

    private final class Session implements NvmlSession {
        private final int openedOn;
        private final Thread openedBy = Thread.currentThread();
        private boolean closed;

        Session(int generation) {
            this.openedOn = generation;
        }

        private void check(String function) {
            if (!loaded) {
                throw new NvmlException(function, 9, "Driver Not Loaded");
            }
            if (closed || openedOn != generation) {
                throw new NvmlException(function, 1, "Uninitialized");
            }
        }

        private void check(String function, int index) {
            check(function);
            if (lost.contains(index)) {
                throw new NvmlException(function, 15, "GPU is lost");
            }
            if (index >= uuids.size()) {
                throw new NvmlException(function, 2, "Invalid Argument");
            }
        }

        @Override
        public boolean simulated() {
            return false;
        }

        @Override
        public SystemInfo system() {
            check("nvmlSystemGetDriverVersion");
            return new SystemInfo("fake-" + generation, "fake", OptionalInt.empty(), false);
        }

        @Override
        public int deviceCount() {
            check("nvmlDeviceGetCount_v2");
            return uuids.size();
        }

        @Override
        public GpuIdentity identity(int index) {
            check("nvmlDeviceGetUUID", index);
            return new GpuIdentity(index, uuids.get(index), "Fake GPU", Optional.empty(),
                    String.format("00000000:%02X:00.0", index + 1), 0, 0, GpuArchitecture.HOPPER, OptionalLong.empty(),
                    OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
                    OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(), false);
        }

        @Override
        public boolean gpmSupported(int index) {
            check("nvmlGpmQueryDeviceSupport", index);
            return false;
        }

        @Override
        public void close() {
            if (!closed) {
                if (Thread.currentThread() != openedBy) {
                    closedElsewhere.add("opened on " + openedBy.getName() + ", closed on "
                            + Thread.currentThread().getName());
                }
                closed = true;
                openSessions.decrementAndGet();
            }
        }

        @Override
        public OptionalInt indexOfUuid(String uuid) {
            throw new UnsupportedOperationException();
        }

        @Override
        public OptionalInt indexOfPciBusId(String pciBusId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeviceSample sample(int index) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<FieldValue> fieldValues(int index, List<FieldValue.Request> requests) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<GpuProcess> computeProcesses(int index) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ProcessUtilization> processUtilization(int index, long sinceTimestampMicros) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Reliability reliability(int index) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Boolean> nvlinkActive(int index) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.OptionalLong pcieReplayCounter(int index) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<GpmMetric> gpmMetrics(int index, OptionalInt gpuInstanceId, int... metricIds) {
            throw new UnsupportedOperationException();
        }

        @Override
        public EventWatcher watchEvents(long eventTypes) {
            throw new UnsupportedOperationException();
        }
    }
}
