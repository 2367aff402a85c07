package io.flopwatch.cupti.jna;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import io.flopwatch.cupti.CuptiCondition;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.CuptiHost;
import io.flopwatch.cupti.PmTarget;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads libcupti and libcuda lazily, once per candidate list, remembering failures as well as
 * successes, and turns return codes into {@link CuptiException}s carrying CUPTI's own message.
 */
public final class JnaCupti {

    private static final Map<List<String>, Object> CUPTI = new ConcurrentHashMap<>();
    private static final Map<List<String>, Object> CUDA = new ConcurrentHashMap<>();

    private JnaCupti() {
    }

    /** A loaded libcupti. */
    record Loaded(String file, CuptiLibrary api) {
        /** Throws unless {@code result} is CUPTI_SUCCESS. */
        void check(String function, int result) {
            if (result != CuptiLibrary.CUPTI_SUCCESS) {
                throw CuptiException.of(function, result, resultString(result));
            }
        }

        String resultString(int result) {
            PointerByReference text = new PointerByReference();
            if (api.cuptiGetResultString(result, text) == CuptiLibrary.CUPTI_SUCCESS && text.getValue() != null) {
                return text.getValue().getString(0);
            }
            return "CUptiResult " + result;
        }
    }

    public static CuptiHost host(List<String> candidates) {
        return new JnaCuptiHost(cupti(candidates));
    }

    public static String libraryFile(List<String> candidates) {
        return cupti(candidates).file();
    }

    public static Optional<String> cudaDriverProblem(List<String> candidates) {
        Object result = CUDA.computeIfAbsent(candidates, c -> load(c, CudaDriverLibrary.class));
        return result instanceof String problem ? Optional.of(problem) : Optional.empty();
    }

    public static PmTarget target(List<String> cuptiCandidates, List<String> driverCandidates) {
        Loaded cupti = cupti(cuptiCandidates);
        Object driver = CUDA.computeIfAbsent(driverCandidates, c -> load(c, CudaDriverLibrary.class));
        if (driver instanceof String problem) {
            throw new CuptiException("dlopen", -1, "CUDA driver library not found (" + problem + ")",
                    CuptiCondition.NOT_AVAILABLE);
        }
        @SuppressWarnings("unchecked")
        CudaDriverLibrary cuda = ((LoadedLibrary<CudaDriverLibrary>) driver).api();
        return JnaPmTarget.open(cupti, cuda);
    }

    static Loaded cupti(List<String> candidates) {
        Object result = CUPTI.computeIfAbsent(candidates, c -> load(c, CuptiLibrary.class));
        if (result instanceof String problem) {
            throw new CuptiException("dlopen", -1, "libcupti not found (" + problem + ")", CuptiCondition.NOT_AVAILABLE);
        }
        @SuppressWarnings("unchecked")
        LoadedLibrary<CuptiLibrary> loaded = (LoadedLibrary<CuptiLibrary>) result;
        return new Loaded(loaded.file(), loaded.api());
    }

    private record LoadedLibrary<T>(String file, T api) {
    }

    /** The first candidate that opens, or a one-line reason why none did. */
    private static <T extends Library> Object load(List<String> candidates, Class<T> type) {
        StringBuilder reasons = new StringBuilder();
        for (String name : candidates) {
            try {
                NativeLibrary lib = NativeLibrary.getInstance(name);
                String file = lib.getFile() != null ? lib.getFile().getAbsolutePath() : name;
                return new LoadedLibrary<>(file, Native.load(file, type));
            } catch (UnsatisfiedLinkError e) {
                if (reasons.length() == 0) {
                    reasons.append(firstReason(String.valueOf(e.getMessage())));
                }
            }
        }
        return reasons + (candidates.size() > 1 ? " (and " + (candidates.size() - 1) + " more candidates)" : "");
    }

    /**
     * JNA's message is "Unable to load library 'x':" followed by one line per attempt; the
     * first attempt's line ("x: cannot open shared object file: …") is the useful part.
     */
    static String firstReason(String message) {
        String[] lines = message.split("\n");
        if (lines.length > 1 && lines[0].endsWith(":") && !lines[1].isBlank()) {
            return lines[1].trim();
        }
        return lines[0];
    }

    /** Throws unless a CUDA driver call returned CUDA_SUCCESS. */
    static void checkCuda(String function, int result) {
        if (result != CudaDriverLibrary.CUDA_SUCCESS) {
            // CUDA_ERROR_NO_DEVICE (100), CUDA_ERROR_NOT_INITIALIZED (3), INSUFFICIENT_DRIVER (35)
            CuptiCondition condition = result == 100 || result == 35 || result == 3 || result == 999
                    ? CuptiCondition.NOT_AVAILABLE : CuptiCondition.OTHER;
            throw new CuptiException(function, result, "CUresult " + result, condition);
        }
    }

    static int cuDeviceCount(CudaDriverLibrary cuda) {
        IntByReference count = new IntByReference();
        checkCuda("cuDeviceGetCount", cuda.cuDeviceGetCount(count));
        return count.getValue();
    }
}
