package io.flopwatch.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Debian's real libnvidia-ml.so.1 (libnvidia-ml1, driver 535) on a machine without the NVIDIA
 * kernel driver, loaded through the path override: {@code nvmlInit_v2} answers
 * NVML_ERROR_DRIVER_NOT_LOADED (9), and the bindings say so in one clear line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealLibraryWithoutDriverTest {

    private static final Path ROOT = Path.of(System.getProperty("flopwatch.testPackages",
            System.getProperty("user.home") + "/.cache/flopwatch/test-packages/root"));
    private static final Path REAL_LIBRARY = ROOT.resolve("usr/lib/x86_64-linux-gnu/nvidia/current/libnvidia-ml.so.1");

    @Test
    @Order(2)
    void initWithoutDriverIsUnavailableWithAClearMessage() {
        assumeTrue(Files.isRegularFile(REAL_LIBRARY), "Debian's libnvidia-ml1 not unpacked at " + REAL_LIBRARY
                + " (run .ci/fetch-test-packages.sh)");
        assumeTrue(!Files.exists(Path.of("/proc/driver/nvidia/version")),
                "this machine has an NVIDIA driver loaded: the no-driver answer cannot be observed");

        NvmlSource source = NvmlSource.system(Optional.of(REAL_LIBRARY), Map.of());
        NvmlUnavailableException e = assertThrows(NvmlUnavailableException.class, source::open);

        assertEquals(9, e.returnCode());
        assertEquals("nvmlInit_v2", e.function());
        // The library's own nvmlErrorString text for code 9 (driver 535).
        assertEquals("Driver Not Loaded", e.errorString());
        assertEquals("NVIDIA driver not loaded (NVML error 9: Driver Not Loaded)", e.getMessage());
    }

    @Test
    void theEnvironmentVariableOverridesTheSearch() {
        NvmlSource source = NvmlSource.system(Optional.empty(), Map.of(NvmlSource.LIBRARY_ENV, "/opt/nvml/libnvidia-ml.so.1"));
        assertEquals(List.of("/opt/nvml/libnvidia-ml.so.1"), source.candidates());
    }

    @Test
    void theApiParameterWinsOverTheEnvironment() {
        NvmlSource source = NvmlSource.system(Optional.of(Path.of("/srv/libnvidia-ml.so.1")),
                Map.of(NvmlSource.LIBRARY_ENV, "/opt/nvml/libnvidia-ml.so.1"));
        assertEquals(List.of("/srv/libnvidia-ml.so.1"), source.candidates());
    }

    @Test
    void withoutOverrideTheDriversNameComesFirst() {
        NvmlSource source = NvmlSource.system(Optional.empty(), Map.of());
        assertEquals(List.of("libnvidia-ml.so.1", "libnvidia-ml.so"), source.candidates());
    }

    /**
     * Runs first: once a test below has loaded the real library by path, glibc's dlopen answers
     * "libnvidia-ml.so.1" with it (it matches the loaded library's SONAME).
     */
    @Test
    @Order(1)
    void aMachineWithoutTheDriverPackageSaysSo() throws Exception {
        assumeTrue(!Files.readString(Path.of("/proc/self/maps")).contains("libnvidia-ml.so"),
                "a libnvidia-ml is already loaded in this JVM: dlopen would return it");
        Process ldconfig = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
        String cache = new String(ldconfig.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        ldconfig.waitFor();
        assumeTrue(!cache.contains("libnvidia-ml.so") && System.getenv("LD_LIBRARY_PATH") == null,
                "this machine has an NVML library installed: the not-found message cannot be observed");
        NvmlUnavailableException e = assertThrows(NvmlUnavailableException.class,
                () -> NvmlSource.system(Optional.empty(), Map.of()).open());
        assertEquals("NVML library not found (libnvidia-ml.so.1): is the NVIDIA driver installed?", e.getMessage());
    }

    @Test
    void aMissingLibraryIsUnavailableWithAClearMessage() {
        NvmlSource source = NvmlSource.system(Optional.of(Path.of("/nonexistent/libnvidia-ml.so.1")), Map.of());
        NvmlUnavailableException e = assertThrows(NvmlUnavailableException.class, source::open);
        assertEquals("NVML library not found (/nonexistent/libnvidia-ml.so.1): is the NVIDIA driver installed?",
                e.getMessage());
        assertEquals(-1, e.returnCode());
    }
}
