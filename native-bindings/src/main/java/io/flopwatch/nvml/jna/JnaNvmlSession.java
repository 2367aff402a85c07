package io.flopwatch.nvml.jna;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import io.flopwatch.nvml.DeviceEvent;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.FieldValue;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.GpuArchitecture;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.MigDevice;
import io.flopwatch.nvml.NvmlException;
import io.flopwatch.nvml.NvmlReturn;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlUnavailableException;
import io.flopwatch.nvml.ProcessUtilization;
import io.flopwatch.nvml.Reliability;
import io.flopwatch.nvml.SimulatorScenarioException;
import io.flopwatch.nvml.SystemInfo;
import io.flopwatch.nvml.jna.NvmlLibrary.nvmlDevice_t;
import io.flopwatch.nvml.jna.NvmlLibrary.nvmlEventSet_t;
import io.flopwatch.nvml.jna.NvmlLibrary.nvmlGpmSample_t;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntSupplier;

/**
 * {@link NvmlSession} over JNA. Return codes are converted here, once: SUCCESS → value;
 * NOT_SUPPORTED, NO_PERMISSION, FUNCTION_NOT_FOUND → absent value; anything else →
 * {@link NvmlException} with the function, the code and {@code nvmlErrorString}.
 * Concurrency: calls on different devices run in parallel, calls on one device one at a time
 * (its GPM sample pair and buffers are per device), so a call that hangs in the driver holds up
 * only its own device: the sampler marks that device stale and keeps reading the others.
 * Out-parameter buffers are per thread. {@link #close()} waits for calls in flight.
 */
public final class JnaNvmlSession implements NvmlSession {

    private static final long MHZ_TO_HZ = 1_000_000L;
    /** NVML_VALUE_NOT_AVAILABLE as an unsigned long long. */
    private static final long VALUE_NOT_AVAILABLE = -1L;
    /** MIG ids when MIG is off (nvml.h: "set to 0xFFFFFFFF otherwise"). */
    private static final int NO_MIG_ID = 0xFFFFFFFF;
    private static final int PSTATE_UNKNOWN = 32;
    private static final int NVLINK_MAX_LINKS = 18;

    private final NvmlLoader.Loaded library;
    private final NvmlLibrary nvml;
    private final NvmlHotPath hot;
    private final boolean simulated;
    private final Map<Integer, Pointer> handles = new ConcurrentHashMap<>();
    private final Map<String, GpmState> gpmStates = new ConcurrentHashMap<>();
    private final List<JnaEventWatcher> watchers = new ArrayList<>();
    private final Map<Integer, ReentrantLock> deviceLocks = new ConcurrentHashMap<>();
    /** Read side: any call in flight; write side: close(). */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ThreadLocal<Memory> fieldBuffer = ThreadLocal.withInitial(() -> new Memory(NvmlLayout.FIELD_SIZE * 8L));
    private volatile boolean closed;

    /** The C sample reader and this library's function table for it; null: the JNA path. */
    private final NvmlSampleReader reader;
    private final Memory readerTable;
    /** The address of nvmlDeviceGetNvLinkState for the reader, 0 when the library lacks it. */
    private final long linkStateFunction;

    private JnaNvmlSession(NvmlLoader.Loaded library, boolean simulated, Optional<NvmlSampleReader> reader) {
        this.library = library;
        this.nvml = library.api();
        this.hot = new NvmlHotPath(library);
        this.simulated = simulated;
        this.reader = reader.orElse(null);
        this.readerTable = reader.isPresent() ? NvmlSampleReader.table(hot) : null;
        this.linkStateFunction = reader.isPresent() ? hot.address(NvmlSampleReader.LINK_STATE_SYMBOL) : 0;
    }

    /**
     * Loads the first library of {@code candidates} that opens and initializes NVML.
     *
     * @param scenario for the simulated library: the scenario file handed to
     *                 {@code flopwatchSimSetScenarioPath} before {@code nvmlInit_v2}
     * @throws NvmlUnavailableException library absent, driver not loaded, no permission,
     *                                  driver/library version mismatch
     */
    public static JnaNvmlSession open(List<String> candidates, boolean simulated, Optional<Path> scenario) {
        return open(candidates, simulated, scenario, NvmlSampleReader.shared());
    }

    /** As {@link #open(List, boolean, Optional)} with the given sample reader (empty: the JNA path). */
    static JnaNvmlSession open(List<String> candidates, boolean simulated, Optional<Path> scenario,
                               Optional<NvmlSampleReader> reader) {
        NvmlLoader.Loaded library = NvmlLoader.load(candidates);
        JnaNvmlSession session = new JnaNvmlSession(library, simulated, reader);
        if (simulated) {
            claimSimulator(scenario.orElseThrow());
            try {
                session.initSimulated(scenario.get());
            } catch (RuntimeException e) {
                releaseSimulator();
                throw e;
            }
        } else {
            int rc = session.hot.call("nvmlInit_v2");
            if (rc != 0) {
                throw session.initError(rc);
            }
        }
        return session;
    }

    private void initSimulated(Path scenario) {
        com.sun.jna.Function setPath = library.functionOrNull("flopwatchSimSetScenarioPath");
        if (setPath == null) {
            throw new NvmlUnavailableException("flopwatchSimSetScenarioPath", -1, "symbol not found",
                    library.name() + " is not flopwatch's simulated NVML library", null);
        }
        setPath.invokeVoid(new Object[] {scenario.toString()});
        int rc = hot.call("nvmlInit_v2");
        if (rc != 0) {
            NvmlException e = initError(rc);
            if (e instanceof NvmlUnavailableException) {
                throw e;
            }
            // A scenario the simulator cannot read: its own message names the file and line.
            com.sun.jna.Function lastError = library.functionOrNull("flopwatchSimLastError");
            String why = lastError == null ? "" : lastError.invokeString(new Object[0], false);
            if (why == null || why.isEmpty()) {
                throw new NvmlException("nvmlInit_v2", rc, errorString(rc));
            }
            throw SimulatorScenarioException.parse(rc, errorString(rc), scenario.toString(), why);
        }
    }

    /*
     * The simulated library plays one scenario per process (its state is global and its
     * nvmlInit is reference-counted): a second session may share the scenario, not change it.
     */
    private static Path simulatorScenario;
    private static int simulatorSessions;

    private static synchronized void claimSimulator(Path scenario) {
        if (simulatorSessions > 0 && !scenario.equals(simulatorScenario)) {
            throw new IllegalStateException("the simulated NVML library is playing " + simulatorScenario
                    + "; close its sessions before opening " + scenario);
        }
        simulatorScenario = scenario;
        simulatorSessions++;
    }

    private static synchronized void releaseSimulator() {
        if (--simulatorSessions == 0) {
            simulatorScenario = null;
        }
    }

    // ---- error conversion -----------------------------------------------------------------------

    private String errorString(int rc) {
        try {
            String s = hot.has("nvmlErrorString") ? nvml.nvmlErrorString(rc) : null;
            return s != null ? s : NvmlReturn.of(rc).cName();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return NvmlReturn.of(rc).cName();
        }
    }

    private NvmlException error(String function, int rc) {
        return new NvmlException(function, rc, errorString(rc));
    }

    private NvmlException initError(int rc) {
        String text = errorString(rc);
        String detail = "(NVML error " + rc + ": " + text + ")";
        String headline = switch (NvmlReturn.of(rc)) {
            case ERROR_DRIVER_NOT_LOADED -> "NVIDIA driver not loaded";
            case ERROR_NO_PERMISSION -> "no permission to use the NVIDIA GPUs";
            case ERROR_LIB_RM_VERSION_MISMATCH ->
                    "NVIDIA driver and NVML library versions differ (reload the driver or reboot)";
            case ERROR_LIBRARY_NOT_FOUND -> "NVML could not load its own libraries";
            default -> null;
        };
        if (headline == null) {
            return new NvmlException("nvmlInit_v2", rc, text);
        }
        return new NvmlUnavailableException("nvmlInit_v2", rc, text, headline + " " + detail, null);
    }

    /** True on SUCCESS, false on an "absent" code, else throws. */
    private boolean ok(String function, int rc) {
        if (rc == 0) {
            return true;
        }
        if (NvmlReturn.of(rc).meansAbsent()) {
            return false;
        }
        throw error(function, rc);
    }

    /** Calls an interface-mapped function unless the library lacks it (then FUNCTION_NOT_FOUND). */
    private int api(String symbol, IntSupplier call) {
        return hot.has(symbol) ? call.getAsInt() : NvmlHotPath.FUNCTION_NOT_FOUND;
    }

    /** Held for the duration of one public call; released by try-with-resources. */
    private interface Guard extends AutoCloseable {
        @Override
        void close();
    }

    private Guard enterSession() {
        ReentrantReadWriteLock.ReadLock read = lifecycle.readLock();
        read.lock();
        if (closed) {
            read.unlock();
            throw new IllegalStateException("NVML session is closed");
        }
        return read::unlock;
    }

    private Guard enterDevice(int index) {
        Guard session = enterSession();
        ReentrantLock device = deviceLocks.computeIfAbsent(index, i -> new ReentrantLock());
        device.lock();
        return () -> {
            device.unlock();
            session.close();
        };
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("NVML session is closed");
        }
    }

    // ---- devices ----------------------------------------------------------------------------------

    private Pointer handle(int index) {
        checkOpen();
        Pointer p = handles.get(index);
        if (p == null) {
            nvmlDevice_t.ByReference ref = new nvmlDevice_t.ByReference();
            int rc = nvml.nvmlDeviceGetHandleByIndex_v2(index, ref);
            if (rc != 0) {
                throw error("nvmlDeviceGetHandleByIndex_v2", rc);
            }
            p = ref.getValue().getPointer();
            handles.put(index, p);
        }
        return p;
    }

    private nvmlDevice_t device(int index) {
        return new nvmlDevice_t(handle(index));
    }

    @Override
    public boolean simulated() {
        return simulated;
    }

    @Override
    public int deviceCount() {
        try (Guard guard = enterSession()) {
            return deviceCountGuarded();
        }
    }

    private int deviceCountGuarded() {
        checkOpen();
        IntByReference count = new IntByReference();
        int rc = nvml.nvmlDeviceGetCount_v2(count);
        if (rc != 0) {
            throw error("nvmlDeviceGetCount_v2", rc);
        }
        return count.getValue();
    }

    @Override
    public SystemInfo system() {
        try (Guard guard = enterSession()) {
            return systemGuarded();
        }
    }

    private SystemInfo systemGuarded() {
        checkOpen();
        String driver = string("nvmlSystemGetDriverVersion", 80, (b, n) -> nvml.nvmlSystemGetDriverVersion(b, n)).orElse("");
        String nvmlVersion = string("nvmlSystemGetNVMLVersion", 80, (b, n) -> nvml.nvmlSystemGetNVMLVersion(b, n)).orElse("");
        IntByReference cuda = new IntByReference();
        OptionalInt cudaVersion;
        if (hot.has("nvmlSystemGetCudaDriverVersion_v2")) {
            cudaVersion = ok("nvmlSystemGetCudaDriverVersion_v2", nvml.nvmlSystemGetCudaDriverVersion_v2(cuda))
                    ? OptionalInt.of(cuda.getValue()) : OptionalInt.empty();
        } else {
            cudaVersion = ok("nvmlSystemGetCudaDriverVersion",
                    api("nvmlSystemGetCudaDriverVersion", () -> nvml.nvmlSystemGetCudaDriverVersion(cuda)))
                    ? OptionalInt.of(cuda.getValue()) : OptionalInt.empty();
        }
        return new SystemInfo(driver, nvmlVersion, cudaVersion, simulated);
    }

    private interface StringCall {
        int call(byte[] buffer, int length);
    }

    private Optional<String> string(String symbol, int size, StringCall call) {
        byte[] buffer = new byte[size];
        int rc = api(symbol, () -> call.call(buffer, size));
        return ok(symbol, rc) ? Optional.of(Native.toString(buffer, "UTF-8")) : Optional.empty();
    }

    @Override
    public GpuIdentity identity(int index) {
        try (Guard guard = enterDevice(index)) {
            return identityGuarded(index);
        }
    }

    private GpuIdentity identityGuarded(int index) {
        nvmlDevice_t dev = device(index);
        // Buffer sizes: NVML_DEVICE_UUID_V2_BUFFER_SIZE 96, NVML_DEVICE_NAME_V2_BUFFER_SIZE 96,
        // NVML_DEVICE_SERIAL_BUFFER_SIZE 30 (nvml.h).
        String uuid = string("nvmlDeviceGetUUID", 96, (b, n) -> nvml.nvmlDeviceGetUUID(dev, b, n)).orElse("");
        String name = string("nvmlDeviceGetName", 96, (b, n) -> nvml.nvmlDeviceGetName(dev, b, n)).orElse("");
        Optional<String> serial = string("nvmlDeviceGetSerial", 30, (b, n) -> nvml.nvmlDeviceGetSerial(dev, b, n));

        NvmlLibrary.nvmlPciInfo_t pci = new NvmlLibrary.nvmlPciInfo_t();
        boolean hasPci = ok("nvmlDeviceGetPciInfo_v3", api("nvmlDeviceGetPciInfo_v3", () -> nvml.nvmlDeviceGetPciInfo_v3(dev, pci)));

        IntByReference a = new IntByReference();
        IntByReference b = new IntByReference();
        OptionalLong archCode = ok("nvmlDeviceGetArchitecture", api("nvmlDeviceGetArchitecture", () -> nvml.nvmlDeviceGetArchitecture(dev, a)))
                ? OptionalLong.of(Integer.toUnsignedLong(a.getValue())) : OptionalLong.empty();
        GpuArchitecture arch = archCode.isPresent() ? GpuArchitecture.of(a.getValue()) : GpuArchitecture.UNKNOWN;

        OptionalInt ccMajor = OptionalInt.empty();
        OptionalInt ccMinor = OptionalInt.empty();
        if (ok("nvmlDeviceGetCudaComputeCapability",
                api("nvmlDeviceGetCudaComputeCapability", () -> nvml.nvmlDeviceGetCudaComputeCapability(dev, a, b)))) {
            ccMajor = OptionalInt.of(a.getValue());
            ccMinor = OptionalInt.of(b.getValue());
        }
        OptionalInt cores = intOut("nvmlDeviceGetNumGpuCores", r -> nvml.nvmlDeviceGetNumGpuCores(dev, r));
        OptionalInt minor = intOut("nvmlDeviceGetMinorNumber", r -> nvml.nvmlDeviceGetMinorNumber(dev, r));

        NvmlLibrary.nvmlMemory_t memory = new NvmlLibrary.nvmlMemory_t();
        OptionalLong memoryTotal = ok("nvmlDeviceGetMemoryInfo", api("nvmlDeviceGetMemoryInfo", () -> nvml.nvmlDeviceGetMemoryInfo(dev, memory)))
                ? OptionalLong.of(memory.total) : OptionalLong.empty();

        OptionalInt migCurrent = OptionalInt.empty();
        OptionalInt migPending = OptionalInt.empty();
        if (ok("nvmlDeviceGetMigMode", api("nvmlDeviceGetMigMode", () -> nvml.nvmlDeviceGetMigMode(dev, a, b)))) {
            migCurrent = OptionalInt.of(a.getValue());
            migPending = OptionalInt.of(b.getValue());
        }
        LongByReference events = new LongByReference();
        OptionalLong eventTypes = ok("nvmlDeviceGetSupportedEventTypes",
                api("nvmlDeviceGetSupportedEventTypes", () -> nvml.nvmlDeviceGetSupportedEventTypes(dev, events)))
                ? OptionalLong.of(events.getValue()) : OptionalLong.empty();

        return new GpuIdentity(index, uuid, name, serial,
                hasPci ? Native.toString(pci.busId, "US-ASCII") : "",
                hasPci ? Integer.toUnsignedLong(pci.pciDeviceId) : 0,
                hasPci ? Integer.toUnsignedLong(pci.pciSubSystemId) : 0,
                arch, archCode, ccMajor, ccMinor, cores, minor, memoryTotal, migCurrent, migPending,
                eventTypes, simulated);
    }

    private interface IntOutCall {
        int call(IntByReference out);
    }

    private OptionalInt intOut(String symbol, IntOutCall call) {
        IntByReference out = new IntByReference();
        return ok(symbol, api(symbol, () -> call.call(out))) ? OptionalInt.of(out.getValue()) : OptionalInt.empty();
    }

    @Override
    public OptionalInt indexOfUuid(String uuid) {
        try (Guard guard = enterSession()) {
            return indexOfUuidGuarded(uuid);
        }
    }

    private OptionalInt indexOfUuidGuarded(String uuid) {
        return indexOf("nvmlDeviceGetHandleByUUID", ref -> nvml.nvmlDeviceGetHandleByUUID(uuid, ref));
    }

    @Override
    public OptionalInt indexOfPciBusId(String pciBusId) {
        try (Guard guard = enterSession()) {
            return indexOfPciBusIdGuarded(pciBusId);
        }
    }

    private OptionalInt indexOfPciBusIdGuarded(String pciBusId) {
        return indexOf("nvmlDeviceGetHandleByPciBusId_v2", ref -> nvml.nvmlDeviceGetHandleByPciBusId_v2(pciBusId, ref));
    }

    private interface HandleCall {
        int call(nvmlDevice_t.ByReference ref);
    }

    private OptionalInt indexOf(String symbol, HandleCall call) {
        checkOpen();
        nvmlDevice_t.ByReference ref = new nvmlDevice_t.ByReference();
        int rc = api(symbol, () -> call.call(ref));
        if (rc == NvmlReturn.ERROR_NOT_FOUND.code() || rc == NvmlReturn.ERROR_INVALID_ARGUMENT.code()) {
            return OptionalInt.empty();
        }
        if (!ok(symbol, rc)) {
            return OptionalInt.empty();
        }
        nvmlDevice_t dev = ref.getValue();
        IntByReference index = new IntByReference();
        // nvmlDeviceGetHandleByUUID also answers MIG UUIDs with a MIG device handle, whose index
        // is a MIG device index, not a GPU's: a MIG device is not a GPU here (see migDevices).
        if (hot.has("nvmlDeviceIsMigDeviceHandle") && nvml.nvmlDeviceIsMigDeviceHandle(dev, index) == 0
                && index.getValue() != 0) {
            return OptionalInt.empty();
        }
        int irc = nvml.nvmlDeviceGetIndex(dev, index);
        if (irc != 0) {
            throw error("nvmlDeviceGetIndex", irc);
        }
        handles.putIfAbsent(index.getValue(), dev.getPointer());
        return OptionalInt.of(index.getValue());
    }

    // ---- the hot path: per device, per cycle --------------------------------------------------

    /** Unsigned int out-parameter read from the scratch buffer; absent on an "absent" code. */
    private OptionalLong hotUint(String symbol, Object... args) {
        return ok(symbol, hot.call(symbol, args)) ? OptionalLong.of(Integer.toUnsignedLong(hot.scratch().getInt(0)))
                : OptionalLong.empty();
    }

    private OptionalInt hotInt(String symbol, Object... args) {
        return ok(symbol, hot.call(symbol, args)) ? OptionalInt.of(hot.scratch().getInt(0)) : OptionalInt.empty();
    }

    private OptionalLong hotUlong(String symbol, Object... args) {
        return ok(symbol, hot.call(symbol, args)) ? OptionalLong.of(hot.scratch().getLong(0)) : OptionalLong.empty();
    }

    private static OptionalLong mhzToHz(OptionalLong mhz) {
        return mhz.isPresent() ? OptionalLong.of(mhz.getAsLong() * MHZ_TO_HZ) : OptionalLong.empty();
    }

    private static OptionalDouble milliToUnit(OptionalLong milli) {
        return milli.isPresent() ? OptionalDouble.of(milli.getAsLong() / 1000.0) : OptionalDouble.empty();
    }

    private static OptionalInt narrow(OptionalLong v) {
        return v.isPresent() ? OptionalInt.of((int) v.getAsLong()) : OptionalInt.empty();
    }

    @Override
    public DeviceSample sample(int index) {
        try (Guard guard = enterDevice(index)) {
            return sampleGuarded(index);
        }
    }

    /** Whether samples are read through the C sample reader (else through the JNA path). */
    boolean usesSampleReader() {
        return reader != null;
    }

    private DeviceSample sampleGuarded(int index) {
        Pointer dev = handle(index);
        if (reader != null) {
            return decode(index, reader.read(readerTable, dev));
        }
        Memory s = hot.scratch();

        OptionalInt gpuUtil = OptionalInt.empty();
        OptionalInt memUtil = OptionalInt.empty();
        if (ok("nvmlDeviceGetUtilizationRates", hot.call("nvmlDeviceGetUtilizationRates", dev, s))) {
            gpuUtil = OptionalInt.of(s.getInt(NvmlLayout.UTILIZATION_GPU));
            memUtil = OptionalInt.of(s.getInt(NvmlLayout.UTILIZATION_MEMORY));
        }
        Pointer period = s.share(8);
        OptionalInt encoder = narrow(hotUint("nvmlDeviceGetEncoderUtilization", dev, s, period));
        OptionalInt decoder = narrow(hotUint("nvmlDeviceGetDecoderUtilization", dev, s, period));
        DeviceSample.Utilization utilization = new DeviceSample.Utilization(gpuUtil, memUtil, encoder, decoder);

        DeviceSample.Memory memory = memory(dev, s);
        DeviceSample.Clocks clocks = clocks(dev);

        DeviceSample.Power power = new DeviceSample.Power(
                milliToUnit(hotUint("nvmlDeviceGetPowerUsage", dev, s)),
                milliToUnit(hotUint("nvmlDeviceGetEnforcedPowerLimit", dev, s)),
                milliToUnit(hotUint("nvmlDeviceGetPowerManagementLimit", dev, s)),
                milliToUnit(hotUlong("nvmlDeviceGetTotalEnergyConsumption", dev, s)));

        DeviceSample.Thermal thermal = new DeviceSample.Thermal(
                hotInt("nvmlDeviceGetTemperature", dev, 0 /* NVML_TEMPERATURE_GPU */, s),
                hotInt("nvmlDeviceGetFanSpeed", dev, s));

        DeviceSample.Pcie pcie = new DeviceSample.Pcie(
                hotUint("nvmlDeviceGetPcieThroughput", dev, 0 /* NVML_PCIE_UTIL_TX_BYTES */, s),
                hotUint("nvmlDeviceGetPcieThroughput", dev, 1 /* NVML_PCIE_UTIL_RX_BYTES */, s),
                hotInt("nvmlDeviceGetCurrPcieLinkGeneration", dev, s),
                hotInt("nvmlDeviceGetCurrPcieLinkWidth", dev, s),
                hotInt("nvmlDeviceGetMaxPcieLinkGeneration", dev, s),
                hotInt("nvmlDeviceGetMaxPcieLinkWidth", dev, s));

        return new DeviceSample(index, utilization, memory, clocks, power, thermal, pcie, simulated);
    }

    // ---- the same sample from the C reader's buffer (NvmlSampleReader) ---------------------------
    // Same return-code rules and the same order of checks as the JNA path above, so the same
    // first failing call is the one reported; the reader stops calling after it.

    private static int rc(long[] r, int slot) {
        return (int) r[slot * NvmlSampleReader.SLOT_LONGS];
    }

    private static long value(long[] r, int slot, int i) {
        return r[slot * NvmlSampleReader.SLOT_LONGS + 1 + i];
    }

    /** An unsigned int (zero-extended by the reader) or unsigned long long out-parameter. */
    private OptionalLong readLong(long[] r, int slot, String symbol) {
        return ok(symbol, rc(r, slot)) ? OptionalLong.of(value(r, slot, 0)) : OptionalLong.empty();
    }

    /** An int out-parameter, as {@link #hotInt} reads it. */
    private OptionalInt readInt(long[] r, int slot, String symbol) {
        return ok(symbol, rc(r, slot)) ? OptionalInt.of((int) value(r, slot, 0)) : OptionalInt.empty();
    }

    private DeviceSample decode(int index, long[] r) {
        OptionalInt gpuUtil = OptionalInt.empty();
        OptionalInt memUtil = OptionalInt.empty();
        if (ok("nvmlDeviceGetUtilizationRates", rc(r, NvmlSampleReader.UTILIZATION))) {
            gpuUtil = OptionalInt.of((int) value(r, NvmlSampleReader.UTILIZATION, 0));
            memUtil = OptionalInt.of((int) value(r, NvmlSampleReader.UTILIZATION, 1));
        }
        OptionalInt encoder = narrow(readLong(r, NvmlSampleReader.ENCODER, "nvmlDeviceGetEncoderUtilization"));
        OptionalInt decoder = narrow(readLong(r, NvmlSampleReader.DECODER, "nvmlDeviceGetDecoderUtilization"));
        DeviceSample.Utilization utilization = new DeviceSample.Utilization(gpuUtil, memUtil, encoder, decoder);

        OptionalLong total = OptionalLong.empty();
        OptionalLong used = OptionalLong.empty();
        OptionalLong free = OptionalLong.empty();
        OptionalLong reserved = OptionalLong.empty();
        int v2 = NvmlSampleReader.MEMORY_V2;
        int v2rc = rc(r, v2);
        boolean haveV2 = v2rc != NvmlReturn.ERROR_ARGUMENT_VERSION_MISMATCH.code() && ok("nvmlDeviceGetMemoryInfo_v2", v2rc);
        if (haveV2) {
            total = OptionalLong.of(value(r, v2, 0));
            reserved = OptionalLong.of(value(r, v2, 1));
            free = OptionalLong.of(value(r, v2, 2));
            used = OptionalLong.of(value(r, v2, 3));
        }
        int v1 = NvmlSampleReader.MEMORY;
        if (!haveV2 && ok("nvmlDeviceGetMemoryInfo", rc(r, v1))) {
            total = OptionalLong.of(value(r, v1, 0));
            free = OptionalLong.of(value(r, v1, 1));
            used = OptionalLong.of(value(r, v1, 2));
        }
        OptionalLong bar1Total = OptionalLong.empty();
        OptionalLong bar1Used = OptionalLong.empty();
        OptionalLong bar1Free = OptionalLong.empty();
        int bar1 = NvmlSampleReader.BAR1;
        if (ok("nvmlDeviceGetBAR1MemoryInfo", rc(r, bar1))) {
            bar1Total = OptionalLong.of(value(r, bar1, 0));
            bar1Free = OptionalLong.of(value(r, bar1, 1));
            bar1Used = OptionalLong.of(value(r, bar1, 2));
        }
        DeviceSample.Memory memory = new DeviceSample.Memory(total, used, free, reserved, bar1Total, bar1Used, bar1Free);

        OptionalInt pstate = readInt(r, NvmlSampleReader.PSTATE, "nvmlDeviceGetPerformanceState");
        if (pstate.isPresent() && pstate.getAsInt() == PSTATE_UNKNOWN) {
            pstate = OptionalInt.empty();
        }
        String reasonsSymbol = hot.has("nvmlDeviceGetCurrentClocksEventReasons")
                ? "nvmlDeviceGetCurrentClocksEventReasons" : "nvmlDeviceGetCurrentClocksThrottleReasons";
        int clock = NvmlSampleReader.CLOCK;
        int max = NvmlSampleReader.MAX_CLOCK;
        DeviceSample.Clocks clocks = new DeviceSample.Clocks(
                mhzToHz(readLong(r, clock, "nvmlDeviceGetClockInfo")),
                mhzToHz(readLong(r, clock + 1, "nvmlDeviceGetClockInfo")),
                mhzToHz(readLong(r, clock + 2, "nvmlDeviceGetClockInfo")),
                mhzToHz(readLong(r, clock + 3, "nvmlDeviceGetClockInfo")),
                mhzToHz(readLong(r, max, "nvmlDeviceGetMaxClockInfo")),
                mhzToHz(readLong(r, max + 1, "nvmlDeviceGetMaxClockInfo")),
                mhzToHz(readLong(r, max + 2, "nvmlDeviceGetMaxClockInfo")),
                mhzToHz(readLong(r, NvmlSampleReader.APP_CLOCK_GRAPHICS, "nvmlDeviceGetApplicationsClock")),
                mhzToHz(readLong(r, NvmlSampleReader.APP_CLOCK_MEMORY, "nvmlDeviceGetApplicationsClock")),
                pstate,
                readLong(r, NvmlSampleReader.REASONS, reasonsSymbol));

        DeviceSample.Power power = new DeviceSample.Power(
                milliToUnit(readLong(r, NvmlSampleReader.POWER, "nvmlDeviceGetPowerUsage")),
                milliToUnit(readLong(r, NvmlSampleReader.ENFORCED_LIMIT, "nvmlDeviceGetEnforcedPowerLimit")),
                milliToUnit(readLong(r, NvmlSampleReader.MANAGEMENT_LIMIT, "nvmlDeviceGetPowerManagementLimit")),
                milliToUnit(readLong(r, NvmlSampleReader.ENERGY, "nvmlDeviceGetTotalEnergyConsumption")));

        DeviceSample.Thermal thermal = new DeviceSample.Thermal(
                readInt(r, NvmlSampleReader.TEMPERATURE, "nvmlDeviceGetTemperature"),
                readInt(r, NvmlSampleReader.FAN, "nvmlDeviceGetFanSpeed"));

        DeviceSample.Pcie pcie = new DeviceSample.Pcie(
                readLong(r, NvmlSampleReader.PCIE_TX, "nvmlDeviceGetPcieThroughput"),
                readLong(r, NvmlSampleReader.PCIE_RX, "nvmlDeviceGetPcieThroughput"),
                readInt(r, NvmlSampleReader.CURR_LINK_GEN, "nvmlDeviceGetCurrPcieLinkGeneration"),
                readInt(r, NvmlSampleReader.CURR_LINK_WIDTH, "nvmlDeviceGetCurrPcieLinkWidth"),
                readInt(r, NvmlSampleReader.MAX_LINK_GEN, "nvmlDeviceGetMaxPcieLinkGeneration"),
                readInt(r, NvmlSampleReader.MAX_LINK_WIDTH, "nvmlDeviceGetMaxPcieLinkWidth"));

        return new DeviceSample(index, utilization, memory, clocks, power, thermal, pcie, simulated);
    }

    private DeviceSample.Memory memory(Pointer dev, Memory s) {
        OptionalLong total = OptionalLong.empty();
        OptionalLong used = OptionalLong.empty();
        OptionalLong free = OptionalLong.empty();
        OptionalLong reserved = OptionalLong.empty();
        boolean haveV2 = false;
        if (hot.has("nvmlDeviceGetMemoryInfo_v2")) {
            s.setInt(NvmlLayout.MEMORY_V2_VERSION, NvmlLibrary.nvmlMemory_v2_t.VERSION);
            int rc = hot.call("nvmlDeviceGetMemoryInfo_v2", dev, s);
            // A driver that knows the symbol but not this struct version answers
            // ARGUMENT_VERSION_MISMATCH: fall back to v1 instead of failing the sample.
            if (rc != NvmlReturn.ERROR_ARGUMENT_VERSION_MISMATCH.code() && ok("nvmlDeviceGetMemoryInfo_v2", rc)) {
                haveV2 = true;
                total = OptionalLong.of(s.getLong(NvmlLayout.MEMORY_V2_TOTAL));
                reserved = OptionalLong.of(s.getLong(NvmlLayout.MEMORY_V2_RESERVED));
                free = OptionalLong.of(s.getLong(NvmlLayout.MEMORY_V2_FREE));
                used = OptionalLong.of(s.getLong(NvmlLayout.MEMORY_V2_USED));
            }
        }
        if (!haveV2 && ok("nvmlDeviceGetMemoryInfo", hot.call("nvmlDeviceGetMemoryInfo", dev, s))) {
            total = OptionalLong.of(s.getLong(NvmlLayout.MEMORY_TOTAL));
            free = OptionalLong.of(s.getLong(NvmlLayout.MEMORY_FREE));
            used = OptionalLong.of(s.getLong(NvmlLayout.MEMORY_USED));
        }
        OptionalLong bar1Total = OptionalLong.empty();
        OptionalLong bar1Used = OptionalLong.empty();
        OptionalLong bar1Free = OptionalLong.empty();
        if (ok("nvmlDeviceGetBAR1MemoryInfo", hot.call("nvmlDeviceGetBAR1MemoryInfo", dev, s))) {
            bar1Total = OptionalLong.of(s.getLong(NvmlLayout.BAR1_TOTAL));
            bar1Free = OptionalLong.of(s.getLong(NvmlLayout.BAR1_FREE));
            bar1Used = OptionalLong.of(s.getLong(NvmlLayout.BAR1_USED));
        }
        return new DeviceSample.Memory(total, used, free, reserved, bar1Total, bar1Used, bar1Free);
    }

    private DeviceSample.Clocks clocks(Pointer dev) {
        Memory s = hot.scratch();
        // nvmlClockType_t: 0 graphics, 1 SM, 2 memory, 3 video
        OptionalInt pstate = hotInt("nvmlDeviceGetPerformanceState", dev, s);
        if (pstate.isPresent() && pstate.getAsInt() == PSTATE_UNKNOWN) {
            pstate = OptionalInt.empty();
        }
        String reasonsSymbol = hot.has("nvmlDeviceGetCurrentClocksEventReasons")
                ? "nvmlDeviceGetCurrentClocksEventReasons" : "nvmlDeviceGetCurrentClocksThrottleReasons";
        return new DeviceSample.Clocks(
                mhzToHz(hotUint("nvmlDeviceGetClockInfo", dev, 0, s)),
                mhzToHz(hotUint("nvmlDeviceGetClockInfo", dev, 1, s)),
                mhzToHz(hotUint("nvmlDeviceGetClockInfo", dev, 2, s)),
                mhzToHz(hotUint("nvmlDeviceGetClockInfo", dev, 3, s)),
                mhzToHz(hotUint("nvmlDeviceGetMaxClockInfo", dev, 0, s)),
                mhzToHz(hotUint("nvmlDeviceGetMaxClockInfo", dev, 1, s)),
                mhzToHz(hotUint("nvmlDeviceGetMaxClockInfo", dev, 2, s)),
                mhzToHz(hotUint("nvmlDeviceGetApplicationsClock", dev, 0, s)),
                mhzToHz(hotUint("nvmlDeviceGetApplicationsClock", dev, 2, s)),
                pstate,
                hotUlong(reasonsSymbol, dev, s));
    }

    @Override
    public List<FieldValue> fieldValues(int index, List<FieldValue.Request> requests) {
        try (Guard guard = enterDevice(index)) {
            return fieldValuesGuarded(index, requests);
        }
    }

    private List<FieldValue> fieldValuesGuarded(int index, List<FieldValue.Request> requests) {
        Pointer dev = handle(index);
        int n = requests.size();
        if (n == 0) {
            return List.of();
        }
        long bytes = (long) NvmlLayout.FIELD_SIZE * n;
        Memory m = fieldBuffer.get();
        if (m.size() < bytes) {
            m = new Memory(bytes);
            fieldBuffer.set(m);
        }
        m.clear(bytes);
        for (int i = 0; i < n; i++) {
            long base = (long) i * NvmlLayout.FIELD_SIZE;
            m.setInt(base + NvmlLayout.FIELD_FIELD_ID, requests.get(i).fieldId());
            m.setInt(base + NvmlLayout.FIELD_SCOPE_ID, requests.get(i).scopeId());
        }
        int callRc = hot.call("nvmlDeviceGetFieldValues", dev, n, m);
        if (!ok("nvmlDeviceGetFieldValues", callRc)) {
            // The whole call is not offered: every field carries the call's code.
            List<FieldValue> absent = new ArrayList<>(n);
            for (FieldValue.Request r : requests) {
                absent.add(new FieldValue(r.fieldId(), r.scopeId(), 0, 0, NvmlReturn.of(callRc), -1,
                        OptionalLong.empty(), OptionalDouble.empty()));
            }
            return absent;
        }
        List<FieldValue> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long base = (long) i * NvmlLayout.FIELD_SIZE;
            int rc = m.getInt(base + NvmlLayout.FIELD_NVML_RETURN);
            int type = m.getInt(base + NvmlLayout.FIELD_VALUE_TYPE);
            OptionalLong longValue = OptionalLong.empty();
            OptionalDouble doubleValue = OptionalDouble.empty();
            if (rc == 0) {
                long v = base + NvmlLayout.FIELD_VALUE;
                switch (type) {
                    case 0 -> doubleValue = OptionalDouble.of(m.getDouble(v));
                    case 1 -> longValue = OptionalLong.of(Integer.toUnsignedLong(m.getInt(v)));
                    case 2 -> longValue = OptionalLong.of(m.getNativeLong(v).longValue());
                    default -> longValue = OptionalLong.of(m.getLong(v));
                }
            }
            values.add(new FieldValue(m.getInt(base + NvmlLayout.FIELD_FIELD_ID), m.getInt(base + NvmlLayout.FIELD_SCOPE_ID),
                    m.getLong(base + NvmlLayout.FIELD_TIMESTAMP), m.getLong(base + NvmlLayout.FIELD_LATENCY_USEC),
                    NvmlReturn.of(rc), type, longValue, doubleValue));
        }
        return values;
    }

    // ---- process lists: every GPU, every cycle (the processes collector) ------------------------
    // Read as raw memory from a reused per-thread buffer at NvmlLayout's offsets, like the field
    // values above: a JNA Structure array costs a reflective read per field and element plus a
    // Structure allocation per element, which made the process list the most expensive read of a
    // cycle (docs/BENCHMARKS.md section 6). One call with room for the usual count replaces the
    // size query; INSUFFICIENT_SIZE (more processes than room) grows the buffer and asks again.

    /** Process entries a per-thread buffer holds before it grows (to what NVML asks for, plus slack). */
    private static final int PROCESS_BUFFER_ENTRIES = 16;
    private final ThreadLocal<Memory> processBuffer = ThreadLocal.withInitial(
            () -> new Memory((long) NvmlLayout.PROCESS_INFO_SIZE * PROCESS_BUFFER_ENTRIES));
    private final ThreadLocal<Memory> utilizationBuffer = ThreadLocal.withInitial(
            () -> new Memory((long) NvmlLayout.PROCESS_UTILIZATION_SIZE * PROCESS_BUFFER_ENTRIES));

    /** This thread's buffer for {@code entries} elements of {@code size} bytes, grown when too small. */
    private static Memory buffer(ThreadLocal<Memory> buffer, int size, int entries) {
        Memory m = buffer.get();
        if (m.size() < (long) size * entries) {
            m = new Memory((long) size * entries);
            buffer.set(m);
        }
        return m;
    }

    @Override
    public List<GpuProcess> computeProcesses(int index) {
        try (Guard guard = enterDevice(index)) {
            return computeProcessesGuarded(index);
        }
    }

    private List<GpuProcess> computeProcessesGuarded(int index) {
        return processesOf(handle(index));
    }

    /** Compute processes of a GPU or MIG device handle. */
    private List<GpuProcess> processesOf(Pointer dev) {
        boolean v3 = hot.has("nvmlDeviceGetComputeRunningProcesses_v3");
        String symbol = v3 ? "nvmlDeviceGetComputeRunningProcesses_v3" : "nvmlDeviceGetComputeRunningProcesses_v2";
        Memory count = hot.scratch();
        int capacity = (int) (processBuffer.get().size() / NvmlLayout.PROCESS_INFO_SIZE);
        int rc = NvmlReturn.ERROR_INSUFFICIENT_SIZE.code();
        // Processes come and go between a size answer and the next read: retry a few times with slack.
        for (int attempt = 0; attempt < 5 && rc == NvmlReturn.ERROR_INSUFFICIENT_SIZE.code(); attempt++) {
            Memory infos = buffer(processBuffer, NvmlLayout.PROCESS_INFO_SIZE, capacity);
            capacity = (int) (infos.size() / NvmlLayout.PROCESS_INFO_SIZE);
            count.setInt(0, capacity);
            rc = hot.call(symbol, dev, count, infos);
            if (rc == 0) {
                int n = Math.min(count.getInt(0), capacity);
                List<GpuProcess> processes = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long base = (long) i * NvmlLayout.PROCESS_INFO_SIZE;
                    long used = infos.getLong(base + NvmlLayout.PROCESS_INFO_USED_GPU_MEMORY);
                    int gi = infos.getInt(base + NvmlLayout.PROCESS_INFO_GPU_INSTANCE_ID);
                    int ci = infos.getInt(base + NvmlLayout.PROCESS_INFO_COMPUTE_INSTANCE_ID);
                    processes.add(new GpuProcess(Integer.toUnsignedLong(infos.getInt(base + NvmlLayout.PROCESS_INFO_PID)),
                            used == VALUE_NOT_AVAILABLE ? OptionalLong.empty() : OptionalLong.of(used),
                            gi == NO_MIG_ID ? OptionalInt.empty() : OptionalInt.of(gi),
                            ci == NO_MIG_ID ? OptionalInt.empty() : OptionalInt.of(ci)));
                }
                return processes;
            }
            capacity = Math.max(capacity, count.getInt(0) + 8);
        }
        ok(symbol, rc);
        return List.of();
    }

    @Override
    public List<ProcessUtilization> processUtilization(int index, long sinceTimestampMicros) {
        try (Guard guard = enterDevice(index)) {
            return processUtilizationGuarded(index, sinceTimestampMicros);
        }
    }

    private List<ProcessUtilization> processUtilizationGuarded(int index, long sinceTimestampMicros) {
        Pointer dev = handle(index);
        String symbol = "nvmlDeviceGetProcessUtilization";
        Memory count = hot.scratch();
        int capacity = (int) (utilizationBuffer.get().size() / NvmlLayout.PROCESS_UTILIZATION_SIZE);
        int rc = NvmlReturn.ERROR_INSUFFICIENT_SIZE.code();
        for (int attempt = 0; attempt < 5 && rc == NvmlReturn.ERROR_INSUFFICIENT_SIZE.code(); attempt++) {
            Memory samples = buffer(utilizationBuffer, NvmlLayout.PROCESS_UTILIZATION_SIZE, capacity);
            capacity = (int) (samples.size() / NvmlLayout.PROCESS_UTILIZATION_SIZE);
            count.setInt(0, capacity);
            rc = hot.call(symbol, dev, samples, count, sinceTimestampMicros);
            if (rc == 0) {
                int n = Math.min(count.getInt(0), capacity);
                List<ProcessUtilization> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long base = (long) i * NvmlLayout.PROCESS_UTILIZATION_SIZE;
                    out.add(new ProcessUtilization(
                            Integer.toUnsignedLong(samples.getInt(base + NvmlLayout.PROCESS_UTILIZATION_PID)),
                            samples.getLong(base + NvmlLayout.PROCESS_UTILIZATION_TIMESTAMP),
                            samples.getInt(base + NvmlLayout.PROCESS_UTILIZATION_SM),
                            samples.getInt(base + NvmlLayout.PROCESS_UTILIZATION_MEM),
                            samples.getInt(base + NvmlLayout.PROCESS_UTILIZATION_ENC),
                            samples.getInt(base + NvmlLayout.PROCESS_UTILIZATION_DEC)));
                }
                return out;
            }
            capacity = Math.max(capacity, count.getInt(0) + 8);
        }
        // NOT_FOUND: no samples newer than sinceTimestampMicros (nvml.h).
        if (rc == NvmlReturn.ERROR_NOT_FOUND.code()) {
            return List.of();
        }
        ok(symbol, rc);
        return List.of();
    }

    // ---- rare calls: Structures are clearer and their cost does not matter --------------------

    @Override
    public Reliability reliability(int index) {
        try (Guard guard = enterDevice(index)) {
            return reliabilityGuarded(index);
        }
    }

    private Reliability reliabilityGuarded(int index) {
        nvmlDevice_t dev = device(index);
        // nvmlMemoryErrorType_t: 0 corrected, 1 uncorrected; nvmlEccCounterType_t: 0 volatile, 1 aggregate
        OptionalLong[] ecc = new OptionalLong[4];
        for (int i = 0; i < 4; i++) {
            int errorType = i % 2;
            int counterType = i / 2;
            LongByReference out = new LongByReference();
            ecc[i] = ok("nvmlDeviceGetTotalEccErrors", api("nvmlDeviceGetTotalEccErrors",
                    () -> nvml.nvmlDeviceGetTotalEccErrors(dev, errorType, counterType, out)))
                    ? OptionalLong.of(out.getValue()) : OptionalLong.empty();
        }
        OptionalInt[] retired = new OptionalInt[2];
        for (int cause = 0; cause < 2; cause++) {
            int c = cause;
            IntByReference count = new IntByReference(0);
            int rc = api("nvmlDeviceGetRetiredPages", () -> nvml.nvmlDeviceGetRetiredPages(dev, c, count, null));
            // With a null buffer NVML answers the count with SUCCESS or INSUFFICIENT_SIZE.
            retired[cause] = rc == NvmlReturn.ERROR_INSUFFICIENT_SIZE.code() || ok("nvmlDeviceGetRetiredPages", rc)
                    ? OptionalInt.of(count.getValue()) : OptionalInt.empty();
        }
        IntByReference corr = new IntByReference();
        IntByReference unc = new IntByReference();
        IntByReference pending = new IntByReference();
        IntByReference failed = new IntByReference();
        boolean remap = ok("nvmlDeviceGetRemappedRows", api("nvmlDeviceGetRemappedRows",
                () -> nvml.nvmlDeviceGetRemappedRows(dev, corr, unc, pending, failed)));
        return new Reliability(ecc[0], ecc[1], ecc[2], ecc[3], retired[0], retired[1],
                remap ? OptionalInt.of(corr.getValue()) : OptionalInt.empty(),
                remap ? OptionalInt.of(unc.getValue()) : OptionalInt.empty(),
                remap ? OptionalInt.of(pending.getValue()) : OptionalInt.empty(),
                remap ? OptionalInt.of(failed.getValue()) : OptionalInt.empty());
    }

    @Override
    public List<Boolean> nvlinkActive(int index) {
        try (Guard guard = enterDevice(index)) {
            return nvlinkActiveGuarded(index);
        }
    }

    private List<Boolean> nvlinkActiveGuarded(int index) {
        // Every GPU, every cycle (the interconnect collector): up to 18 calls, made in C by the
        // sample reader (one native transition), else through the hot path's scratch buffer.
        Pointer dev = handle(index);
        List<Boolean> links = new ArrayList<>(NVLINK_MAX_LINKS);
        if (reader != null) {
            int n = reader.readLinkStates(linkStateFunction, dev, NVLINK_MAX_LINKS);
            long[] r = reader.linkStates();
            for (int link = 0; link < n; link++) {
                int rc = (int) r[2 * link];
                // The same rule as below, on the same codes.
                if (rc == NvmlReturn.ERROR_INVALID_ARGUMENT.code() || !ok("nvmlDeviceGetNvLinkState", rc)) {
                    break;
                }
                links.add(r[2 * link + 1] == 1 /* NVML_FEATURE_ENABLED */);
            }
            return links;
        }
        Memory active = hot.scratch();
        for (int link = 0; link < NVLINK_MAX_LINKS; link++) {
            int rc = hot.call("nvmlDeviceGetNvLinkState", dev, link, active);
            // Past the device's last link NVML answers INVALID_ARGUMENT or NOT_SUPPORTED.
            if (rc == NvmlReturn.ERROR_INVALID_ARGUMENT.code() || !ok("nvmlDeviceGetNvLinkState", rc)) {
                break;
            }
            links.add(active.getInt(0) == 1 /* NVML_FEATURE_ENABLED */);
        }
        return links;
    }

    // ---- MIG (read-only) --------------------------------------------------------------------------

    @Override
    public List<MigDevice> migDevices(int index) {
        try (Guard guard = enterDevice(index)) {
            return migDevicesGuarded(index);
        }
    }

    private List<MigDevice> migDevicesGuarded(int index) {
        // Asked every GPU, every cycle (the device collector): the hot path's scratch buffer.
        // nvml.h: "Returns zero if MIG is not supported or enabled."
        OptionalLong count = hotUint("nvmlDeviceGetMaxMigDeviceCount", handle(index), hot.scratch());
        if (count.isEmpty() || (int) count.getAsLong() <= 0) {
            return List.of();
        }
        nvmlDevice_t dev = device(index);
        int max = (int) count.getAsLong();
        List<MigDevice> migs = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            nvmlDevice_t.ByReference ref = new nvmlDevice_t.ByReference();
            int migIndex = i;
            int rc = api("nvmlDeviceGetMigDeviceHandleByIndex", () -> nvml.nvmlDeviceGetMigDeviceHandleByIndex(dev, migIndex, ref));
            // NOT_FOUND: no MIG device at this index (indices may have gaps).
            if (rc == NvmlReturn.ERROR_NOT_FOUND.code() || !ok("nvmlDeviceGetMigDeviceHandleByIndex", rc)) {
                continue;
            }
            migs.add(migDevice(index, i, ref.getValue()));
        }
        return migs;
    }

    private MigDevice migDevice(int parentIndex, int migIndex, nvmlDevice_t mig) {
        String uuid = string("nvmlDeviceGetUUID", 96, (b, n) -> nvml.nvmlDeviceGetUUID(mig, b, n)).orElse("");
        String name = string("nvmlDeviceGetName", 96, (b, n) -> nvml.nvmlDeviceGetName(mig, b, n)).orElse("");
        OptionalInt gi = intOut("nvmlDeviceGetGpuInstanceId", r -> nvml.nvmlDeviceGetGpuInstanceId(mig, r));
        OptionalInt ci = intOut("nvmlDeviceGetComputeInstanceId", r -> nvml.nvmlDeviceGetComputeInstanceId(mig, r));
        NvmlLibrary.nvmlDeviceAttributes_t attributes = new NvmlLibrary.nvmlDeviceAttributes_t();
        boolean hasAttributes = ok("nvmlDeviceGetAttributes_v2",
                api("nvmlDeviceGetAttributes_v2", () -> nvml.nvmlDeviceGetAttributes_v2(mig, attributes)));
        NvmlLibrary.nvmlMemory_t memory = new NvmlLibrary.nvmlMemory_t();
        boolean hasMemory = ok("nvmlDeviceGetMemoryInfo", api("nvmlDeviceGetMemoryInfo", () -> nvml.nvmlDeviceGetMemoryInfo(mig, memory)));
        return new MigDevice(parentIndex, migIndex, uuid, name, gi.orElse(NO_MIG_ID), ci.orElse(NO_MIG_ID),
                hasAttributes ? OptionalInt.of(attributes.gpuInstanceSliceCount) : OptionalInt.empty(),
                hasAttributes ? OptionalInt.of(attributes.computeInstanceSliceCount) : OptionalInt.empty(),
                hasAttributes && attributes.multiprocessorCount > 0 ? OptionalInt.of(attributes.multiprocessorCount) : OptionalInt.empty(),
                hasMemory ? OptionalLong.of(memory.total) : OptionalLong.empty(),
                hasMemory ? OptionalLong.of(memory.used) : OptionalLong.empty(),
                processesOf(mig.getPointer()));
    }

    @Override
    public OptionalLong pcieReplayCounter(int index) {
        try (Guard guard = enterDevice(index)) {
            // Read every cycle by the interconnect collector: the hot path's scratch buffer, no IntByReference.
            return hotUint("nvmlDeviceGetPcieReplayCounter", handle(index), hot.scratch());
        }
    }

    // ---- GPM --------------------------------------------------------------------------------------

    @Override
    public boolean gpmSupported(int index) {
        try (Guard guard = enterDevice(index)) {
            return gpmSupportedGuarded(index);
        }
    }

    private boolean gpmSupportedGuarded(int index) {
        // A property of the GPU and the driver, which cannot change while this session is open
        // (a driver reload closes it): asked once per device instead of every cycle. A call that
        // throws is not remembered, so it is asked again next time.
        Boolean known = gpmSupport.get(index);
        if (known != null) {
            return known;
        }
        boolean supported = queryGpmSupport(index);
        gpmSupport.put(index, supported);
        return supported;
    }

    private boolean queryGpmSupport(int index) {
        nvmlDevice_t dev = device(index);
        NvmlLibrary.nvmlGpmSupport_t support = new NvmlLibrary.nvmlGpmSupport_t();
        support.version = NvmlLibrary.nvmlGpmSupport_t.VERSION;
        return ok("nvmlGpmQueryDeviceSupport", api("nvmlGpmQueryDeviceSupport", () -> nvml.nvmlGpmQueryDeviceSupport(dev, support)))
                && support.isSupportedDevice != 0;
    }

    /** {@link #gpmSupported} by device index, once known. */
    private final Map<Integer, Boolean> gpmSupport = new ConcurrentHashMap<>();

    /** Two sample buffers per device / MIG instance; {@code previous} holds the last sample. */
    private static final class GpmState {
        final Memory metricsBuffer = new Memory(NvmlLayout.GPM_GET_METRICS
                + (long) NvmlLayout.GPM_METRIC_SIZE * NvmlLibrary.nvmlGpmMetricsGet_t.METRICS_CAPACITY);
        Pointer previous;
        Pointer current;
        boolean hasPrevious;
    }

    private Pointer gpmAlloc() {
        nvmlGpmSample_t.ByReference ref = new nvmlGpmSample_t.ByReference();
        int rc = api("nvmlGpmSampleAlloc", () -> nvml.nvmlGpmSampleAlloc(ref));
        return ok("nvmlGpmSampleAlloc", rc) ? ref.getValue().getPointer() : null;
    }

    @Override
    public List<GpmMetric> gpmMetrics(int index, OptionalInt gpuInstanceId, int... metricIds) {
        try (Guard guard = enterDevice(index)) {
            return gpmMetricsGuarded(index, gpuInstanceId, metricIds);
        }
    }

    private List<GpmMetric> gpmMetricsGuarded(int index, OptionalInt gpuInstanceId, int... metricIds) {
        if (metricIds.length > NvmlLibrary.nvmlGpmMetricsGet_t.METRICS_CAPACITY) {
            throw new IllegalArgumentException("at most " + NvmlLibrary.nvmlGpmMetricsGet_t.METRICS_CAPACITY + " GPM metrics per call");
        }
        Pointer dev = handle(index);
        String key = index + "/" + (gpuInstanceId.isPresent() ? gpuInstanceId.getAsInt() : "device");
        GpmState state = gpmStates.get(key);
        if (state == null) {
            Pointer a = gpmAlloc();
            Pointer b = a == null ? null : gpmAlloc();
            if (b == null) {
                if (a != null) {
                    hot.call("nvmlGpmSampleFree", a);
                }
                return List.of();
            }
            state = new GpmState();
            state.previous = a;
            state.current = b;
            gpmStates.put(key, state);
        }
        int rc = gpuInstanceId.isPresent()
                ? hot.call("nvmlGpmMigSampleGet", dev, gpuInstanceId.getAsInt(), state.current)
                : hot.call("nvmlGpmSampleGet", dev, state.current);
        if (!ok(gpuInstanceId.isPresent() ? "nvmlGpmMigSampleGet" : "nvmlGpmSampleGet", rc)) {
            return List.of();
        }
        Pointer previous = state.previous;
        Pointer current = state.current;
        boolean hadPrevious = state.hasPrevious;
        state.previous = current;
        state.current = previous;
        state.hasPrevious = true;
        if (!hadPrevious || metricIds.length == 0) {
            return List.of();
        }
        Memory m = state.metricsBuffer;
        int n = metricIds.length;
        m.clear(NvmlLayout.GPM_GET_METRICS + (long) NvmlLayout.GPM_METRIC_SIZE * n);
        m.setInt(NvmlLayout.GPM_GET_VERSION, NvmlLibrary.nvmlGpmMetricsGet_t.VERSION);
        m.setInt(NvmlLayout.GPM_GET_NUM_METRICS, n);
        m.setPointer(NvmlLayout.GPM_GET_SAMPLE1, previous);
        m.setPointer(NvmlLayout.GPM_GET_SAMPLE2, current);
        for (int i = 0; i < n; i++) {
            m.setInt(NvmlLayout.GPM_GET_METRICS + (long) NvmlLayout.GPM_METRIC_SIZE * i + NvmlLayout.GPM_METRIC_ID, metricIds[i]);
        }
        if (!ok("nvmlGpmMetricsGet", hot.call("nvmlGpmMetricsGet", m))) {
            return List.of();
        }
        List<GpmMetric> metrics = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long base = NvmlLayout.GPM_GET_METRICS + (long) NvmlLayout.GPM_METRIC_SIZE * i;
            int mrc = m.getInt(base + NvmlLayout.GPM_METRIC_RETURN);
            metrics.add(new GpmMetric(m.getInt(base + NvmlLayout.GPM_METRIC_ID), NvmlReturn.of(mrc),
                    mrc == 0 ? OptionalDouble.of(m.getDouble(base + NvmlLayout.GPM_METRIC_VALUE)) : OptionalDouble.empty(),
                    cString(m.getPointer(base + NvmlLayout.GPM_METRIC_SHORT_NAME)),
                    cString(m.getPointer(base + NvmlLayout.GPM_METRIC_UNIT))));
        }
        return metrics;
    }

    private static String cString(Pointer p) {
        return p == null ? "" : p.getString(0, "UTF-8");
    }

    // ---- events -----------------------------------------------------------------------------------

    @Override
    public EventWatcher watchEvents(long eventTypes) {
        try (Guard guard = enterSession()) {
            return watchEventsGuarded(eventTypes);
        }
    }

    private EventWatcher watchEventsGuarded(long eventTypes) {
        nvmlEventSet_t.ByReference ref = new nvmlEventSet_t.ByReference();
        int rc = api("nvmlEventSetCreate", () -> nvml.nvmlEventSetCreate(ref));
        if (rc != 0) {
            throw error("nvmlEventSetCreate", rc);
        }
        nvmlEventSet_t set = ref.getValue();
        JnaEventWatcher watcher = new JnaEventWatcher(set);
        try {
            int count = deviceCount();
            for (int i = 0; i < count; i++) {
                nvmlDevice_t dev = device(i);
                LongByReference supported = new LongByReference();
                if (!ok("nvmlDeviceGetSupportedEventTypes", nvml.nvmlDeviceGetSupportedEventTypes(dev, supported))) {
                    continue;
                }
                long wanted = eventTypes & supported.getValue();
                if (wanted != 0) {
                    ok("nvmlDeviceRegisterEvents", nvml.nvmlDeviceRegisterEvents(dev, wanted, set));
                }
            }
        } catch (RuntimeException e) {
            watcher.close();
            throw e;
        }
        synchronized (watchers) {
            watchers.add(watcher);
        }
        return watcher;
    }

    private final class JnaEventWatcher implements EventWatcher {
        private final nvmlEventSet_t set;
        private final NvmlLibrary.nvmlEventData_t data = new NvmlLibrary.nvmlEventData_t();
        private boolean freed;

        JnaEventWatcher(nvmlEventSet_t set) {
            this.set = set;
        }

        /** Not under the session's lock: a wait must not stop sampling. */
        @Override
        public Optional<DeviceEvent> await(Duration timeout) {
            synchronized (this) {
                if (freed) {
                    throw new IllegalStateException("event watcher is closed");
                }
                long millis = Math.max(0, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                int rc = nvml.nvmlEventSetWait_v2(set, data, (int) millis);
                if (rc == NvmlReturn.ERROR_TIMEOUT.code()) {
                    return Optional.empty();
                }
                if (rc != 0) {
                    throw error("nvmlEventSetWait_v2", rc);
                }
                IntByReference index = new IntByReference(-1);
                int irc = data.device == null ? -1 : nvml.nvmlDeviceGetIndex(data.device, index);
                return Optional.of(new DeviceEvent(irc == 0 ? index.getValue() : -1, data.eventType, data.eventData,
                        data.gpuInstanceId == NO_MIG_ID ? OptionalInt.empty() : OptionalInt.of(data.gpuInstanceId),
                        data.computeInstanceId == NO_MIG_ID ? OptionalInt.empty() : OptionalInt.of(data.computeInstanceId)));
            }
        }

        @Override
        public synchronized void close() {
            if (!freed) {
                freed = true;
                nvml.nvmlEventSetFree(set);
            }
        }
    }

    // ---- shutdown ---------------------------------------------------------------------------------

    @Override
    public void close() {
        // Waits for calls in flight, so no native resource is freed under a running call.
        lifecycle.writeLock().lock();
        try {
            closeLocked();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void closeLocked() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (watchers) {
            for (JnaEventWatcher w : watchers) {
                w.close();
            }
        }
        for (GpmState state : gpmStates.values()) {
            hot.call("nvmlGpmSampleFree", state.previous);
            hot.call("nvmlGpmSampleFree", state.current);
        }
        gpmStates.clear();
        handles.clear();
        try {
            hot.call("nvmlShutdown");
        } finally {
            if (simulated) {
                releaseSimulator();
            }
        }
    }

    @Override
    public String toString() {
        return "JnaNvmlSession[" + library.name() + (simulated ? ", simulated" : "") + "]";
    }
}
