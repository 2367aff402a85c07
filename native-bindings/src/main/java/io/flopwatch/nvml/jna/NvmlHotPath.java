package io.flopwatch.nvml.jna;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The calls made on the sampling hot path (every device, every cycle: utilization, memory,
 * clocks, power, energy, temperature, PCIe, throttle reasons, field values, GPM), made without
 * JNA {@code Structure}s.
 *
 * <p>Why: a {@code Structure} argument costs reflection on every call (auto-write before,
 * auto-read after). Measured on these machines (shared/reference/jna-call-cost.md) an
 * interface-mapped call with a {@code Structure} took ~530 ns, a direct call with primitive
 * arguments ~105 ns. Against the simulated library the binding's cost is all a benchmark sees,
 * and flopwatch has to be far cheaper than a pynvml exporter. So these calls pass the device
 * handle as a plain pointer and one reused native {@link Memory} buffer as the out-parameter,
 * and the caller reads the result at known offsets ({@link NvmlLayout}, checked against
 * nvml.h by the ABI test).
 *
 * <p>Why {@link Function} handles and not JNA direct mapping ({@code Native.register}):
 * direct mapping binds a Java class's native methods to one library for the life of the JVM,
 * and fails the whole registration when one symbol is missing. flopwatch can open the real
 * and the simulated library in one process (tests do) and must tolerate drivers that lack
 * newer symbols. A {@link Function} is looked up once per session, per symbol, lazily;
 * a missing symbol is remembered and reported as FUNCTION_NOT_FOUND (13), which the session
 * turns into an absent value. {@link Function#invokeInt} with pointer arguments converts no
 * structures.
 *
 * <p>{@code NvmlSession.sample} goes further where it can: one call into flopwatch's C sample
 * reader per device ({@link NvmlSampleReader}, given the addresses this class resolves) instead
 * of 28 calls through here; these {@link Function} calls remain its fallback.
 *
 * <p>Thread-safe: symbol look-ups are cached in a concurrent map, buffers are per thread.
 */
final class NvmlHotPath {
    /** NVML_ERROR_FUNCTION_NOT_FOUND: what a call to a symbol the library lacks returns. */
    static final int FUNCTION_NOT_FOUND = 13;

    private final NvmlLoader.Loaded library;
    private final Map<String, Optional<Function>> functions = new ConcurrentHashMap<>();

    /** Out-parameter buffers for the scalar calls, one per thread: 64 bytes, two 8-byte slots used. */
    private final ThreadLocal<Memory> scratch = ThreadLocal.withInitial(() -> new Memory(64));

    NvmlHotPath(NvmlLoader.Loaded library) {
        this.library = library;
    }

    /** This thread's out-parameter buffer. */
    Memory scratch() {
        return scratch.get();
    }

    /** Whether the loaded library exports {@code symbol}; looked up once. */
    boolean has(String symbol) {
        return function(symbol) != null;
    }

    /** The native address of {@code symbol}, 0 when the library lacks it (for the C sample reader). */
    long address(String symbol) {
        Function f = function(symbol);
        return f == null ? 0L : Pointer.nativeValue(f);
    }

    /** Calls {@code symbol} with {@code args}; FUNCTION_NOT_FOUND when the library lacks it. */
    int call(String symbol, Object... args) {
        Function f = function(symbol);
        return f == null ? FUNCTION_NOT_FOUND : f.invokeInt(args);
    }

    private Function function(String symbol) {
        return functions.computeIfAbsent(symbol, s -> Optional.ofNullable(library.functionOrNull(s))).orElse(null);
    }
}
