package io.flopwatch.nvml.jna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * flopwatch never changes GPU state (DESIGN.md: "no clocks, power limits, compute mode, MIG
 * layout, persistence mode or resets"): neither the JNA mapping nor the simulated library may
 * name an NVML function that sets, creates, destroys, resets or clears something on a GPU,
 * e.g. {@code nvmlDeviceSetMigMode}, {@code nvmlDeviceCreateGpuInstance},
 * {@code nvmlGpuInstanceCreateComputeInstance}, {@code nvmlGpuInstanceDestroy},
 * {@code nvmlDeviceResetGpuLockedClocks}. The only creators allowed are of the client's own
 * objects: event sets and GPM sample buffers.
 */
class NvmlReadOnlyTest {

    private static final Pattern MUTATING = Pattern.compile(
            "nvml\\w*(Set|Create|Destroy|Reset|Clear|Register(?!Events)|Enable|Disable|Modify)\\w*");
    /** The client's own objects; nothing on the GPU changes. */
    private static final Set<String> ALLOWED = Set.of("nvmlEventSetCreate", "nvmlEventSetFree", "nvmlEventSetWait_v2");

    private static Set<String> mutating(List<String> names) {
        return names.stream().filter(n -> MUTATING.matcher(n).matches()).filter(n -> !ALLOWED.contains(n))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void theJnaMappingHasNoCallThatChangesAGpu() {
        List<String> names = Arrays.stream(NvmlLibrary.class.getDeclaredMethods()).map(Method::getName).toList();
        assertEquals(Set.of(), mutating(names));
    }

    @Test
    void thePatternRecognisesTheMigLayoutCalls() {
        // Names from nvml.h (CUDA 12.4): the MIG calls flopwatch must never make.
        assertEquals(new TreeSet<>(List.of("nvmlDeviceSetMigMode", "nvmlDeviceCreateGpuInstance",
                        "nvmlGpuInstanceCreateComputeInstance", "nvmlGpuInstanceDestroy", "nvmlComputeInstanceDestroy")),
                mutating(List.of("nvmlDeviceSetMigMode", "nvmlDeviceCreateGpuInstance", "nvmlGpuInstanceCreateComputeInstance",
                        "nvmlGpuInstanceDestroy", "nvmlComputeInstanceDestroy", "nvmlDeviceGetMigMode",
                        "nvmlDeviceGetMigDeviceHandleByIndex", "nvmlEventSetCreate", "nvmlDeviceRegisterEvents")));
    }

    @Test
    void theSimulatedLibraryExportsNoCallThatChangesAGpu() throws IOException, InterruptedException {
        Path lib = Path.of("target/classes/linux-x86-64/libnvidia-ml-sim.so");
        assumeTrue(Files.isRegularFile(lib), "simulated library not built at " + lib.toAbsolutePath());
        Process p;
        try {
            p = new ProcessBuilder("nm", "-D", "--defined-only", lib.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "nm (binutils) not available: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "nm failed: " + out);
        List<String> symbols = out.lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(s -> s.startsWith("nvml")).toList();
        assumeTrue(symbols.contains("nvmlDeviceGetMigDeviceHandleByIndex"), "nm output unreadable: " + out);
        assertEquals(Set.of(), mutating(symbols));
    }

    /** nm -D's symbol names for {@code lib} ({@code --defined-only} or {@code --undefined-only}). */
    private static List<String> dynamicSymbols(Path lib, String which) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("nm", "-D", which, lib.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "nm (binutils) not available: " + e.getMessage());
            return List.of();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "nm failed: " + out);
        return out.lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
    }

    @Test
    void theSampleReaderCallsOnlyGetFunctionsAndExportsItsTwoEntryPoints() throws IOException, InterruptedException {
        // The reader calls exactly the functions whose addresses the session hands it.
        assertEquals(Set.of(), mutating(NvmlSampleReader.SYMBOLS));
        assertEquals(Set.of(), mutating(List.of(NvmlSampleReader.LINK_STATE_SYMBOL)));
        Path lib = Path.of("target/classes/linux-x86-64/libflopwatch-nvml-reader.so");
        assumeTrue(Files.isRegularFile(lib), "sample reader not built at " + lib.toAbsolutePath());
        List<String> exported = dynamicSymbols(lib, "--defined-only").stream().filter(s -> !s.isBlank()).toList();
        assertEquals(List.of("flopwatchNvmlReadLinkStates", "flopwatchNvmlReadSample"), exported);
        // It links to no NVML function by name: nothing beyond the table can be called.
        assertEquals(List.of(), dynamicSymbols(lib, "--undefined-only").stream().filter(s -> s.startsWith("nvml")).toList());
    }
}
