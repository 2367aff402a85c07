package io.flopwatch.nvml.jna;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import io.flopwatch.nvml.NvmlUnavailableException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads an NVML library lazily, once per name, and remembers a failure as well as a success:
 * a machine without the library must start (and say so clearly) instead of failing at class
 * loading. {@link UnsatisfiedLinkError} is caught here and becomes {@link NvmlUnavailableException}.
 */
public final class NvmlLoader {

    /** What a driver installs; the unversioned name comes only with the -dev package. */
    public static final List<String> SYSTEM_NAMES = List.of("libnvidia-ml.so.1", "libnvidia-ml.so");

    /** The simulated library's JNA name: resolves to linux-x86-64/libnvidia-ml-sim.so in the jar. */
    public static final String SIMULATED_NAME = "nvidia-ml-sim";

    /**
     * RTLD_LAZY without RTLD_GLOBAL: the real and the simulated library export the same
     * symbols; loaded globally, the second one's internal calls could bind to the first's.
     */
    private static final int OPEN_FLAGS = 1;

    private static final Map<String, Object> LOADED = new ConcurrentHashMap<>();

    private NvmlLoader() {
    }

    /** A loaded library: JNA's handle (for symbol lookup and the hot path) and the mapping. */
    public record Loaded(String name, NativeLibrary nativeLibrary, NvmlLibrary api) {
        /** The exported function, or null when this library lacks it (an older driver). */
        public Function functionOrNull(String symbol) {
            try {
                return nativeLibrary.getFunction(symbol);
            } catch (UnsatisfiedLinkError absent) {
                return null;
            }
        }
    }

    /**
     * Loads the first of {@code candidates} (file names searched the system's way, or paths)
     * that opens.
     *
     * @throws NvmlUnavailableException when none opens, with the first candidate in the message
     */
    public static Loaded load(List<String> candidates) {
        StringBuilder reasons = new StringBuilder();
        for (String name : candidates) {
            Object result = LOADED.computeIfAbsent(name, NvmlLoader::tryLoad);
            if (result instanceof Loaded loaded) {
                return loaded;
            }
            reasons.append(reasons.length() == 0 ? "" : "; ").append(result);
        }
        String first = candidates.isEmpty() ? "?" : candidates.get(0);
        throw new NvmlUnavailableException("dlopen", -1, reasons.toString(),
                "NVML library not found (" + first + "): is the NVIDIA driver installed?", null);
    }

    private static Object tryLoad(String name) {
        Map<String, Object> options = new HashMap<>();
        options.put(Library.OPTION_OPEN_FLAGS, OPEN_FLAGS);
        try {
            NativeLibrary lib = NativeLibrary.getInstance(name, options);
            // Map the interface onto the very file JNA opened. Loading by name again could give a
            // second copy: a library inside the jar is extracted to a new temporary file on each
            // load (JNA's cache key includes the options, which Native.load extends), and two
            // copies of the simulated library would not share its state.
            String file = lib.getFile() != null ? lib.getFile().getAbsolutePath() : name;
            NvmlLibrary api = Native.load(file, NvmlLibrary.class, options);
            return new Loaded(name, lib, api);
        } catch (UnsatisfiedLinkError e) {
            // JNA's message lists every path it tried; keep its first line.
            String message = String.valueOf(e.getMessage());
            int newline = message.indexOf('\n');
            return newline < 0 ? message : message.substring(0, newline);
        }
    }
}
