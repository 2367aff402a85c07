package io.flopwatch.nvml.jna;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * flopwatch's own C sample reader (native-bindings/src/main/c/reader/nvml_reader.c, packaged
 * as linux-x86-64/libflopwatch-nvml-reader.so): one native call per device per sample makes
 * the 28 NVML calls of {@link JnaNvmlSession#sample} and writes values and return codes into
 * one buffer, which {@link JnaNvmlSession} decodes with the same return-code rules as the JNA
 * path.
 *
 * <p>Why: on the JNA path each NVML call goes through {@code Function.invokeInt(Object[])},
 * about 1 µs of argument boxing and conversion per call against ~20 ns for the call itself
 * (docs/BENCHMARKS.md section 1). The reader is bound by JNA direct mapping
 * ({@link Native#register}) with primitive ({@code long}) arguments only, the cheapest call
 * JNA has. Direct mapping binds for the life of the JVM, which is fine here (unlike for NVML
 * itself, see {@link NvmlHotPath}): the reader resolves nothing, the session passes it the
 * addresses of the NVML functions it resolved in its own library (real or simulated), zero for
 * a symbol that library lacks.
 *
 * <p>When the reader cannot load (not packaged for this platform, ABI mismatch) sessions use
 * the JNA path; that is logged once at DEBUG. {@code -Dflopwatch.nvmlReader=off} forces the JNA
 * path (for comparisons).
 *
 * <p>Thread-safe: the output buffer is per thread.
 */
final class NvmlSampleReader {
    private static final Logger LOG = LoggerFactory.getLogger(NvmlSampleReader.class);

    /** JNA name: resolves to linux-x86-64/libflopwatch-nvml-reader.so in the jar. */
    static final String LIBRARY_NAME = "flopwatch-nvml-reader";
    /** FW_READER_ABI in nvml_reader.c: the layout below and {@link #readLinkStates}. */
    static final int ABI = 0x46570002;

    /** The one NVML function {@link #readLinkStates} calls, a Get call; its address is passed per call. */
    static final String LINK_STATE_SYMBOL = "nvmlDeviceGetNvLinkState";
    /** The most links {@link #readLinkStates} reads (NVML_NVLINK_MAX_LINKS in nvml.h). */
    static final int MAX_LINKS = 18;

    /** The NVML functions the reader calls, in the order of {@code enum fw_fn}: Get calls only. */
    static final List<String> SYMBOLS = List.of(
            "nvmlDeviceGetUtilizationRates", "nvmlDeviceGetEncoderUtilization", "nvmlDeviceGetDecoderUtilization",
            "nvmlDeviceGetMemoryInfo_v2", "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetBAR1MemoryInfo",
            "nvmlDeviceGetPerformanceState", "nvmlDeviceGetClockInfo", "nvmlDeviceGetMaxClockInfo",
            "nvmlDeviceGetApplicationsClock", "nvmlDeviceGetCurrentClocksEventReasons",
            "nvmlDeviceGetCurrentClocksThrottleReasons", "nvmlDeviceGetPowerUsage",
            "nvmlDeviceGetEnforcedPowerLimit", "nvmlDeviceGetPowerManagementLimit",
            "nvmlDeviceGetTotalEnergyConsumption", "nvmlDeviceGetTemperature", "nvmlDeviceGetFanSpeed",
            "nvmlDeviceGetPcieThroughput", "nvmlDeviceGetCurrPcieLinkGeneration", "nvmlDeviceGetCurrPcieLinkWidth",
            "nvmlDeviceGetMaxPcieLinkGeneration", "nvmlDeviceGetMaxPcieLinkWidth");

    // Output slots, in the order of enum fw_slot (and of the calls). Each is FW_SLOT_LONGS
    // int64: [return code, v0, v1, v2, v3]; 32-bit outputs zero-extended.
    static final int UTILIZATION = 0;
    static final int ENCODER = 1;
    static final int DECODER = 2;
    static final int MEMORY_V2 = 3;
    static final int MEMORY = 4;
    static final int BAR1 = 5;
    static final int PSTATE = 6;
    /** Current clocks, nvmlClockType_t order: graphics, SM, memory, video. */
    static final int CLOCK = 7;
    /** Max clocks: graphics, SM, memory. */
    static final int MAX_CLOCK = 11;
    static final int APP_CLOCK_GRAPHICS = 14;
    static final int APP_CLOCK_MEMORY = 15;
    static final int REASONS = 16;
    static final int POWER = 17;
    static final int ENFORCED_LIMIT = 18;
    static final int MANAGEMENT_LIMIT = 19;
    static final int ENERGY = 20;
    static final int TEMPERATURE = 21;
    static final int FAN = 22;
    static final int PCIE_TX = 23;
    static final int PCIE_RX = 24;
    static final int CURR_LINK_GEN = 25;
    static final int CURR_LINK_WIDTH = 26;
    static final int MAX_LINK_GEN = 27;
    static final int MAX_LINK_WIDTH = 28;
    static final int SLOT_COUNT = 29;
    static final int SLOT_LONGS = 5;

    /** The direct-mapped entry point; registered once per JVM. */
    private static final class Direct {
        static native int flopwatchNvmlReadSample(long table, long device, long out);

        static native int flopwatchNvmlReadLinkStates(long function, long device, int maxLinks, long out);
    }

    private static final Object LOCK = new Object();
    private static Optional<NvmlSampleReader> shared;

    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    private NvmlSampleReader() {
    }

    private static final class Buffers {
        final Memory out = new Memory((long) SLOT_COUNT * SLOT_LONGS * Long.BYTES);
        final long outAddress = Pointer.nativeValue(out);
        final long[] values = new long[SLOT_COUNT * SLOT_LONGS];
        final Memory links = new Memory(2L * MAX_LINKS * Long.BYTES);
        final long linksAddress = Pointer.nativeValue(links);
        final long[] linkValues = new long[2 * MAX_LINKS];
    }

    /** The packaged reader, loaded once; empty when it cannot load or is switched off. */
    static Optional<NvmlSampleReader> shared() {
        synchronized (LOCK) {
            if (shared == null) {
                shared = "off".equals(System.getProperty("flopwatch.nvmlReader"))
                        ? Optional.empty() : load(LIBRARY_NAME);
            }
            return shared;
        }
    }

    /** Loads and binds the reader library {@code name}; empty (logged at DEBUG) when it cannot. */
    static Optional<NvmlSampleReader> load(String name) {
        try {
            NativeLibrary library = NativeLibrary.getInstance(name);
            Native.register(Direct.class, library);
            int abi = Direct.flopwatchNvmlReadSample(0, 0, 0);
            if (abi != ABI) {
                LOG.debug("NVML sample reader {} has layout {}, expected {}: using the JNA path",
                        name, Integer.toHexString(abi), Integer.toHexString(ABI));
                return Optional.empty();
            }
            return Optional.of(new NvmlSampleReader());
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("NVML sample reader {} not loaded ({}): using the JNA path", name, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The function table for one library: the address of each of {@link #SYMBOLS}, 0 where
     * absent. Kept for the life of the session.
     */
    static Memory table(NvmlHotPath hot) {
        Memory table = new Memory((long) SYMBOLS.size() * Long.BYTES);
        for (int i = 0; i < SYMBOLS.size(); i++) {
            table.setLong((long) i * Long.BYTES, hot.address(SYMBOLS.get(i)));
        }
        return table;
    }

    /**
     * Reads one device; the result is this thread's buffer, valid until its next read: slot
     * {@code s}'s return code at {@code [s * SLOT_LONGS]}, its values after it.
     */
    long[] read(Memory table, Pointer device) {
        Buffers b = buffers.get();
        Direct.flopwatchNvmlReadSample(Pointer.nativeValue(table), Pointer.nativeValue(device), b.outAddress);
        b.out.read(0, b.values, 0, b.values.length);
        return b.values;
    }

    /**
     * Asks {@code function} (the address of {@link #LINK_STATE_SYMBOL} in the session's library,
     * 0 when absent) for the state of links 0 .. {@code maxLinks}-1 (at most {@link #MAX_LINKS}),
     * stopping after the first code other than SUCCESS. The result is this thread's array, valid
     * until its next read: link {@code l}'s return code at {@code [2 l]}, its state after it, for
     * the first {@code n} links, n returned.
     */
    int readLinkStates(long function, Pointer device, int maxLinks) {
        Buffers b = buffers.get();
        int n = Direct.flopwatchNvmlReadLinkStates(function, Pointer.nativeValue(device), Math.min(maxLinks, MAX_LINKS),
                b.linksAddress);
        b.links.read(0, b.linkValues, 0, 2 * n);
        return n;
    }

    /** The array {@link #readLinkStates} filled on this thread. */
    long[] linkStates() {
        return buffers.get().linkValues;
    }
}
