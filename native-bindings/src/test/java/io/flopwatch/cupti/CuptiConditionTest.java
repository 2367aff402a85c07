package io.flopwatch.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CuptiConditionTest {

    /** Codes from cupti_result.h (CUDA 13.0). */
    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource({
        "cuptiPmSamplingEnable, 35, INSUFFICIENT_PRIVILEGES",       // CUPTI_ERROR_INSUFFICIENT_PRIVILEGES
        "cuptiPmSamplingEnable, 40, INSUFFICIENT_PRIVILEGES",       // ..._VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES
        "cuptiPmSamplingEnable, 39, MULTIPLE_SUBSCRIBERS",          // CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED
        "cuptiPmSamplingEnable, 7, MULTIPLE_SUBSCRIBERS",           // INVALID_OPERATION from Enable: counters owned
        "cuptiPmSamplingStart, 7, OTHER",                           // INVALID_OPERATION elsewhere: our bug
        "cuptiPmSamplingEnable, 43, MIG_DEVICE_NOT_SUPPORTED",      // CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED
        "cuptiProfilerHostInitialize, 27, NOT_AVAILABLE",           // CUPTI_ERROR_NOT_SUPPORTED (e.g. GV100)
        "cuptiPmSamplingEnable, 45, NOT_AVAILABLE",                 // CUPTI_ERROR_WSL_DEVICE_NOT_SUPPORTED
        "cuptiProfilerHostConfigAddMetrics, 1, OTHER",              // CUPTI_ERROR_INVALID_PARAMETER
        "cuptiPmSamplingDecodeData, 999, OTHER",                    // CUPTI_ERROR_UNKNOWN
    })
    void classifiesResultCodes(String function, int code, CuptiCondition expected) {
        assertEquals(expected, CuptiCondition.of(function, code));
    }

    @Test
    void privilegeAdviceNamesEveryWayToGrantIt() {
        String advice = CuptiCondition.INSUFFICIENT_PRIVILEGES.advice();
        for (String way : List.of("root", "CAP_SYS_ADMIN", "CAP_PERFMON", "R565", "NVreg_RestrictProfilingToAdminUsers=0")) {
            assertTrue(advice.contains(way), way);
        }
    }

    @Test
    void libraryCandidatesFollowConfigThenEnvironmentThenUsrLocalNewestFirst(@TempDir Path root) throws Exception {
        Path usrLocal = root.resolve("usr/local");
        for (String dir : List.of("cuda-12.6/lib64", "cuda-12.10/lib64", "cuda-13.0/lib64", "cuda/lib64", "env/lib64")) {
            Files.createDirectories(usrLocal.resolve(dir));
        }
        Files.createFile(usrLocal.resolve("cuda-12.6/lib64/libcupti.so.12"));
        Files.createFile(usrLocal.resolve("cuda-12.10/lib64/libcupti.so.12"));
        Files.createFile(usrLocal.resolve("cuda-13.0/lib64/libcupti.so.13"));
        Files.createFile(usrLocal.resolve("env/lib64/libcupti.so.13"));
        List<String> candidates = CuptiLibraryPaths.candidates(Optional.of(Path.of("/opt/my/libcupti.so")),
                Map.of("CUDA_HOME", usrLocal.resolve("env").toString()), usrLocal);
        assertEquals(List.of("/opt/my/libcupti.so",
                usrLocal.resolve("env/lib64/libcupti.so.13").toString(),
                usrLocal.resolve("cuda-13.0/lib64/libcupti.so.13").toString(),
                usrLocal.resolve("cuda-12.10/lib64/libcupti.so.12").toString(),
                usrLocal.resolve("cuda-12.6/lib64/libcupti.so.12").toString(),
                "libcupti.so.13", "libcupti.so.12", "libcupti.so"), candidates);
    }
}
