package io.flopwatch.nvml.jna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Structure;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JNA mapping against the real nvml.h: a C program compiled by gcc against Debian's header
 * prints sizeof and offsetof of every field of every structure the bindings map, and the
 * test compares them with JNA's layout and with {@link NvmlLayout} (the hot path's offsets).
 * The same program assigns every mapped function to a pointer of the C type transcribed
 * here, so a signature that differs from the header fails to compile
 * (-Werror=incompatible-pointer-types), and checks each has a method of the same arity in
 * {@link NvmlLibrary}.
 *
 * <p>Two headers: Debian bookworm's libnvidia-ml-dev (CUDA 11.8, driver 535) and trixie's
 * (CUDA 12.4), fetched by .ci/fetch-test-packages.sh into root/ and root-trixie/.
 */
class NvmlAbiConformanceTest {

    /** C struct name → Java structure, field paths (a.b for nested), in C order. */
    private static Map<String, Structure> structures() {
        Map<String, Structure> m = new LinkedHashMap<>();
        m.put("nvmlPciInfo_t", new NvmlLibrary.nvmlPciInfo_t());
        m.put("nvmlMemory_t", new NvmlLibrary.nvmlMemory_t());
        m.put("nvmlMemory_v2_t", new NvmlLibrary.nvmlMemory_v2_t());
        m.put("nvmlBAR1Memory_t", new NvmlLibrary.nvmlBAR1Memory_t());
        m.put("nvmlUtilization_t", new NvmlLibrary.nvmlUtilization_t());
        m.put("nvmlProcessInfo_t", new NvmlLibrary.nvmlProcessInfo_t());
        m.put("nvmlProcessInfo_v2_t", new NvmlLibrary.nvmlProcessInfo_v2_t());
        m.put("nvmlProcessUtilizationSample_t", new NvmlLibrary.nvmlProcessUtilizationSample_t());
        m.put("nvmlValue_t", new NvmlLibrary.nvmlValue_t());
        m.put("nvmlFieldValue_t", new NvmlLibrary.nvmlFieldValue_t());
        m.put("nvmlEventData_t", new NvmlLibrary.nvmlEventData_t());
        m.put("nvmlGpmSupport_t", new NvmlLibrary.nvmlGpmSupport_t());
        m.put("nvmlGpmMetric_t", new NvmlLibrary.nvmlGpmMetric_t());
        m.put("nvmlGpmMetricsGet_t", new NvmlLibrary.nvmlGpmMetricsGet_t());
        m.put("nvmlDeviceAttributes_t", new NvmlLibrary.nvmlDeviceAttributes_t());
        return m;
    }

    /** Field paths to check, per structure (nested structure fields as a.b). */
    private static List<String> fieldPaths(Structure s) {
        List<String> paths = new ArrayList<>();
        if (s instanceof NvmlLibrary.nvmlValue_t) {
            return paths; // a union: every member at offset 0; its size is checked
        }
        for (String f : fieldOrder(s)) {
            if (s instanceof NvmlLibrary.nvmlGpmMetric_t && f.equals("metricInfo")) {
                for (String g : fieldOrder(new NvmlLibrary.nvmlGpmMetricInfo())) {
                    paths.add(f + "." + g);
                }
            } else {
                paths.add(f);
            }
        }
        return paths;
    }

    private static List<String> fieldOrder(Structure s) {
        return s.getClass().getAnnotation(Structure.FieldOrder.class) != null
                ? Arrays.asList(s.getClass().getAnnotation(Structure.FieldOrder.class).value())
                : Arrays.asList(s.getClass().getSuperclass().getAnnotation(Structure.FieldOrder.class).value());
    }

    private static long javaOffset(Structure s, String path) {
        NvmlLibrary.NvmlStructure n = (NvmlLibrary.NvmlStructure) s;
        int dot = path.indexOf('.');
        if (dot < 0) {
            return n.offsetOf(path);
        }
        return n.offsetOf(path.substring(0, dot)) + new NvmlLibrary.nvmlGpmMetricInfo().offsetOf(path.substring(dot + 1));
    }

    /** Hot-path offsets: "struct field" → NvmlLayout constant. */
    private static Map<String, Integer> layoutConstants() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("nvmlUtilization_t gpu", NvmlLayout.UTILIZATION_GPU);
        m.put("nvmlUtilization_t memory", NvmlLayout.UTILIZATION_MEMORY);
        m.put("nvmlUtilization_t sizeof", NvmlLayout.UTILIZATION_SIZE);
        m.put("nvmlMemory_t total", NvmlLayout.MEMORY_TOTAL);
        m.put("nvmlMemory_t free", NvmlLayout.MEMORY_FREE);
        m.put("nvmlMemory_t used", NvmlLayout.MEMORY_USED);
        m.put("nvmlMemory_t sizeof", NvmlLayout.MEMORY_SIZE);
        m.put("nvmlMemory_v2_t version", NvmlLayout.MEMORY_V2_VERSION);
        m.put("nvmlMemory_v2_t total", NvmlLayout.MEMORY_V2_TOTAL);
        m.put("nvmlMemory_v2_t reserved", NvmlLayout.MEMORY_V2_RESERVED);
        m.put("nvmlMemory_v2_t free", NvmlLayout.MEMORY_V2_FREE);
        m.put("nvmlMemory_v2_t used", NvmlLayout.MEMORY_V2_USED);
        m.put("nvmlMemory_v2_t sizeof", NvmlLayout.MEMORY_V2_SIZE);
        m.put("nvmlBAR1Memory_t bar1Total", NvmlLayout.BAR1_TOTAL);
        m.put("nvmlBAR1Memory_t bar1Free", NvmlLayout.BAR1_FREE);
        m.put("nvmlBAR1Memory_t bar1Used", NvmlLayout.BAR1_USED);
        m.put("nvmlBAR1Memory_t sizeof", NvmlLayout.BAR1_SIZE);
        m.put("nvmlFieldValue_t fieldId", NvmlLayout.FIELD_FIELD_ID);
        m.put("nvmlFieldValue_t scopeId", NvmlLayout.FIELD_SCOPE_ID);
        m.put("nvmlFieldValue_t timestamp", NvmlLayout.FIELD_TIMESTAMP);
        m.put("nvmlFieldValue_t latencyUsec", NvmlLayout.FIELD_LATENCY_USEC);
        m.put("nvmlFieldValue_t valueType", NvmlLayout.FIELD_VALUE_TYPE);
        m.put("nvmlFieldValue_t nvmlReturn", NvmlLayout.FIELD_NVML_RETURN);
        m.put("nvmlFieldValue_t value", NvmlLayout.FIELD_VALUE);
        m.put("nvmlFieldValue_t sizeof", NvmlLayout.FIELD_SIZE);
        m.put("nvmlGpmMetric_t metricId", NvmlLayout.GPM_METRIC_ID);
        m.put("nvmlGpmMetric_t nvmlReturn", NvmlLayout.GPM_METRIC_RETURN);
        m.put("nvmlGpmMetric_t value", NvmlLayout.GPM_METRIC_VALUE);
        m.put("nvmlGpmMetric_t metricInfo.shortName", NvmlLayout.GPM_METRIC_SHORT_NAME);
        m.put("nvmlGpmMetric_t metricInfo.longName", NvmlLayout.GPM_METRIC_LONG_NAME);
        m.put("nvmlGpmMetric_t metricInfo.unit", NvmlLayout.GPM_METRIC_UNIT);
        m.put("nvmlGpmMetric_t sizeof", NvmlLayout.GPM_METRIC_SIZE);
        m.put("nvmlGpmMetricsGet_t version", NvmlLayout.GPM_GET_VERSION);
        m.put("nvmlGpmMetricsGet_t numMetrics", NvmlLayout.GPM_GET_NUM_METRICS);
        m.put("nvmlGpmMetricsGet_t sample1", NvmlLayout.GPM_GET_SAMPLE1);
        m.put("nvmlGpmMetricsGet_t sample2", NvmlLayout.GPM_GET_SAMPLE2);
        m.put("nvmlGpmMetricsGet_t metrics", NvmlLayout.GPM_GET_METRICS);
        for (String t : List.of("nvmlProcessInfo_t", "nvmlProcessInfo_v2_t")) {
            m.put(t + " pid", NvmlLayout.PROCESS_INFO_PID);
            m.put(t + " usedGpuMemory", NvmlLayout.PROCESS_INFO_USED_GPU_MEMORY);
            m.put(t + " gpuInstanceId", NvmlLayout.PROCESS_INFO_GPU_INSTANCE_ID);
            m.put(t + " computeInstanceId", NvmlLayout.PROCESS_INFO_COMPUTE_INSTANCE_ID);
            m.put(t + " sizeof", NvmlLayout.PROCESS_INFO_SIZE);
        }
        m.put("nvmlProcessUtilizationSample_t pid", NvmlLayout.PROCESS_UTILIZATION_PID);
        m.put("nvmlProcessUtilizationSample_t timeStamp", NvmlLayout.PROCESS_UTILIZATION_TIMESTAMP);
        m.put("nvmlProcessUtilizationSample_t smUtil", NvmlLayout.PROCESS_UTILIZATION_SM);
        m.put("nvmlProcessUtilizationSample_t memUtil", NvmlLayout.PROCESS_UTILIZATION_MEM);
        m.put("nvmlProcessUtilizationSample_t encUtil", NvmlLayout.PROCESS_UTILIZATION_ENC);
        m.put("nvmlProcessUtilizationSample_t decUtil", NvmlLayout.PROCESS_UTILIZATION_DEC);
        m.put("nvmlProcessUtilizationSample_t sizeof", NvmlLayout.PROCESS_UTILIZATION_SIZE);
        return m;
    }

    /**
     * Every function the bindings map, with its C type transcribed from nvml.h. Those marked
     * "newer" are absent from the CUDA 11.8 header and checked only where the header has them.
     */
    private static final List<String[]> FUNCTIONS = List.of(
            fn("nvmlInit_v2", "void"),
            fn("nvmlInitWithFlags", "unsigned int"),
            fn("nvmlShutdown", "void"),
            fn("nvmlSystemGetDriverVersion", "char *, unsigned int"),
            fn("nvmlSystemGetNVMLVersion", "char *, unsigned int"),
            fn("nvmlSystemGetCudaDriverVersion", "int *"),
            fn("nvmlSystemGetCudaDriverVersion_v2", "int *"),
            fn("nvmlDeviceGetCount_v2", "unsigned int *"),
            fn("nvmlDeviceGetHandleByIndex_v2", "unsigned int, nvmlDevice_t *"),
            fn("nvmlDeviceGetHandleByUUID", "const char *, nvmlDevice_t *"),
            fn("nvmlDeviceGetHandleByPciBusId_v2", "const char *, nvmlDevice_t *"),
            fn("nvmlDeviceGetIndex", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetName", "nvmlDevice_t, char *, unsigned int"),
            fn("nvmlDeviceGetUUID", "nvmlDevice_t, char *, unsigned int"),
            fn("nvmlDeviceGetSerial", "nvmlDevice_t, char *, unsigned int"),
            fn("nvmlDeviceGetPciInfo_v3", "nvmlDevice_t, nvmlPciInfo_t *"),
            fn("nvmlDeviceGetArchitecture", "nvmlDevice_t, nvmlDeviceArchitecture_t *"),
            fn("nvmlDeviceGetCudaComputeCapability", "nvmlDevice_t, int *, int *"),
            fn("nvmlDeviceGetNumGpuCores", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetMinorNumber", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetMemoryInfo", "nvmlDevice_t, nvmlMemory_t *"),
            fn("nvmlDeviceGetMemoryInfo_v2", "nvmlDevice_t, nvmlMemory_v2_t *"),
            fn("nvmlDeviceGetBAR1MemoryInfo", "nvmlDevice_t, nvmlBAR1Memory_t *"),
            fn("nvmlDeviceGetUtilizationRates", "nvmlDevice_t, nvmlUtilization_t *"),
            fn("nvmlDeviceGetEncoderUtilization", "nvmlDevice_t, unsigned int *, unsigned int *"),
            fn("nvmlDeviceGetDecoderUtilization", "nvmlDevice_t, unsigned int *, unsigned int *"),
            fn("nvmlDeviceGetClockInfo", "nvmlDevice_t, nvmlClockType_t, unsigned int *"),
            fn("nvmlDeviceGetMaxClockInfo", "nvmlDevice_t, nvmlClockType_t, unsigned int *"),
            fn("nvmlDeviceGetApplicationsClock", "nvmlDevice_t, nvmlClockType_t, unsigned int *"),
            fn("nvmlDeviceGetPerformanceState", "nvmlDevice_t, nvmlPstates_t *"),
            fn("nvmlDeviceGetCurrentClocksThrottleReasons", "nvmlDevice_t, unsigned long long *"),
            newer("nvmlDeviceGetCurrentClocksEventReasons", "nvmlDevice_t, unsigned long long *"),
            fn("nvmlDeviceGetPowerUsage", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetEnforcedPowerLimit", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetPowerManagementLimit", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetTotalEnergyConsumption", "nvmlDevice_t, unsigned long long *"),
            fn("nvmlDeviceGetTemperature", "nvmlDevice_t, nvmlTemperatureSensors_t, unsigned int *"),
            fn("nvmlDeviceGetFanSpeed", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetPcieThroughput", "nvmlDevice_t, nvmlPcieUtilCounter_t, unsigned int *"),
            fn("nvmlDeviceGetCurrPcieLinkGeneration", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetCurrPcieLinkWidth", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetMaxPcieLinkGeneration", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetMaxPcieLinkWidth", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetNvLinkState", "nvmlDevice_t, unsigned int, nvmlEnableState_t *"),
            fn("nvmlDeviceGetPcieReplayCounter", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetTotalEccErrors", "nvmlDevice_t, nvmlMemoryErrorType_t, nvmlEccCounterType_t, unsigned long long *"),
            fn("nvmlDeviceGetRetiredPages", "nvmlDevice_t, nvmlPageRetirementCause_t, unsigned int *, unsigned long long *"),
            fn("nvmlDeviceGetRemappedRows", "nvmlDevice_t, unsigned int *, unsigned int *, unsigned int *, unsigned int *"),
            fn("nvmlDeviceGetMigMode", "nvmlDevice_t, unsigned int *, unsigned int *"),
            fn("nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDevice_t, unsigned int *, nvmlProcessInfo_t *"),
            fn("nvmlDeviceGetComputeRunningProcesses_v2", "nvmlDevice_t, unsigned int *, nvmlProcessInfo_v2_t *"),
            fn("nvmlDeviceGetProcessUtilization", "nvmlDevice_t, nvmlProcessUtilizationSample_t *, unsigned int *, unsigned long long"),
            fn("nvmlDeviceGetFieldValues", "nvmlDevice_t, int, nvmlFieldValue_t *"),
            fn("nvmlGpmQueryDeviceSupport", "nvmlDevice_t, nvmlGpmSupport_t *"),
            fn("nvmlGpmSampleAlloc", "nvmlGpmSample_t *"),
            fn("nvmlGpmSampleFree", "nvmlGpmSample_t"),
            fn("nvmlGpmSampleGet", "nvmlDevice_t, nvmlGpmSample_t"),
            newer("nvmlGpmMigSampleGet", "nvmlDevice_t, unsigned int, nvmlGpmSample_t"),
            fn("nvmlGpmMetricsGet", "nvmlGpmMetricsGet_t *"),
            fn("nvmlEventSetCreate", "nvmlEventSet_t *"),
            fn("nvmlDeviceGetSupportedEventTypes", "nvmlDevice_t, unsigned long long *"),
            fn("nvmlDeviceRegisterEvents", "nvmlDevice_t, unsigned long long, nvmlEventSet_t"),
            fn("nvmlEventSetWait_v2", "nvmlEventSet_t, nvmlEventData_t *, unsigned int"),
            fn("nvmlEventSetFree", "nvmlEventSet_t"),
            fn("nvmlDeviceGetMaxMigDeviceCount", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetMigDeviceHandleByIndex", "nvmlDevice_t, unsigned int, nvmlDevice_t *"),
            fn("nvmlDeviceIsMigDeviceHandle", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetGpuInstanceId", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetComputeInstanceId", "nvmlDevice_t, unsigned int *"),
            fn("nvmlDeviceGetDeviceHandleFromMigDeviceHandle", "nvmlDevice_t, nvmlDevice_t *"),
            fn("nvmlDeviceGetAttributes_v2", "nvmlDevice_t, nvmlDeviceAttributes_t *"));

    private static String[] fn(String name, String args) {
        return new String[] {name, args, "always"};
    }

    private static String[] newer(String name, String args) {
        return new String[] {name, args, "newer"};
    }

    static Stream<Arguments> headers() {
        Path root = Path.of(System.getProperty("flopwatch.testPackages",
                System.getProperty("user.home") + "/.cache/flopwatch/test-packages/root"));
        return Stream.of(
                Arguments.of("bookworm (CUDA 11.8)", root.resolve("usr/include/nvml.h")),
                Arguments.of("trixie (CUDA 12.4)", root.resolveSibling("root-trixie").resolve("usr/include/nvml.h")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headers")
    void structuresAndSignaturesMatchTheHeader(String release, Path header, @TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(header), "no nvml.h for " + release + " at " + header
                + " (run .ci/fetch-test-packages.sh)");
        assumeTrue(gccAvailable(), "gcc not found: cannot compile the ABI probe");
        String headerText = Files.readString(header, StandardCharsets.ISO_8859_1);

        Map<String, Structure> structs = structures();
        // NVML_NO_UNVERSIONED_FUNC_DEFS: the header then declares the older versioned symbols
        // (…_v2 process lists) that still ship, and does not #define plain names to versioned
        // ones, which is how JNA sees the library: by exported symbol.
        String prologue = "#define NVML_NO_UNVERSIONED_FUNC_DEFS\n"
                + "#include <stdio.h>\n#include <stddef.h>\n#include \"nvml.h\"\n";
        // Signatures: compiled only (-fsyntax-only), nothing to link against.
        StringBuilder signatures = new StringBuilder(prologue);
        for (String[] f : FUNCTIONS) {
            if (f[2].equals("newer") && !headerText.contains(" " + f[0] + "(")) {
                continue;
            }
            signatures.append("typedef nvmlReturn_t fn_").append(f[0]).append("(").append(f[1]).append(");\n")
                    .append("fn_").append(f[0]).append(" *chk_").append(f[0]).append(" = ").append(f[0]).append(";\n");
        }
        Path signatureSource = dir.resolve("signatures.c");
        Files.writeString(signatureSource, signatures);
        run(dir, "gcc", "-std=c11", "-fsyntax-only", "-Werror=incompatible-pointer-types", "-I",
                header.getParent().toString(), signatureSource.toString());

        StringBuilder c = new StringBuilder(prologue);
        c.append("int main(void) {\n");
        for (Map.Entry<String, Structure> e : structs.entrySet()) {
            String t = e.getKey();
            c.append("  printf(\"%s sizeof %zu\\n\", \"").append(t).append("\", sizeof(").append(t).append("));\n");
            for (String path : fieldPaths(e.getValue())) {
                c.append("  printf(\"%s %s %zu\\n\", \"").append(t).append("\", \"").append(path)
                        .append("\", offsetof(").append(t).append(", ").append(path).append("));\n");
            }
        }
        c.append("  printf(\"nvmlGpmMetricsGet_t metrics.count %zu\\n\", "
                + "sizeof(((nvmlGpmMetricsGet_t *)0)->metrics) / sizeof(nvmlGpmMetric_t));\n");
        c.append("  printf(\"nvmlMemory_v2 version %u\\n\", (unsigned) nvmlMemory_v2);\n");
        c.append("  return 0;\n}\n");
        Path source = dir.resolve("abi.c");
        Files.writeString(source, c);
        Path exe = dir.resolve("abi");
        run(dir, "gcc", "-std=c11", "-Wall", "-Werror=incompatible-pointer-types", "-I", header.getParent().toString(),
                "-o", exe.toString(), source.toString());
        Map<String, Long> cLayout = new LinkedHashMap<>();
        for (String line : run(dir, exe.toString()).split("\n")) {
            String[] parts = line.trim().split(" ");
            cLayout.put(parts[0] + " " + parts[1], Long.parseLong(parts[2]));
        }

        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, Structure> e : structs.entrySet()) {
            String t = e.getKey();
            Structure s = e.getValue();
            long cSize = cLayout.get(t + " sizeof");
            if (s instanceof NvmlLibrary.nvmlGpmMetricsGet_t) {
                // Allocated for the largest array known; the header's may be smaller (see the class comment).
                long count = cLayout.get("nvmlGpmMetricsGet_t metrics.count");
                if (count > NvmlLibrary.nvmlGpmMetricsGet_t.METRICS_CAPACITY) {
                    mismatches.add(t + ": header's metrics[] has " + count + " entries, more than the "
                            + NvmlLibrary.nvmlGpmMetricsGet_t.METRICS_CAPACITY + " allocated");
                }
                long expected = cSize + (NvmlLibrary.nvmlGpmMetricsGet_t.METRICS_CAPACITY - count) * cLayout.get("nvmlGpmMetric_t sizeof");
                if (s.size() != expected) {
                    mismatches.add(t + " size: C " + cSize + " with " + count + " metrics → expected " + expected + ", JNA " + s.size());
                }
            } else if (s.size() != cSize) {
                mismatches.add(t + " size: C " + cSize + ", JNA " + s.size());
            }
            for (String path : fieldPaths(s)) {
                long cOffset = cLayout.get(t + " " + path);
                long jOffset = javaOffset(s, path);
                if (cOffset != jOffset) {
                    mismatches.add(t + "." + path + ": C offset " + cOffset + ", JNA " + jOffset);
                }
            }
        }
        for (Map.Entry<String, Integer> e : layoutConstants().entrySet()) {
            long cValue = cLayout.get(e.getKey());
            if (cValue != e.getValue()) {
                mismatches.add("NvmlLayout " + e.getKey() + ": C " + cValue + ", constant " + e.getValue());
            }
        }
        if (cLayout.get("nvmlMemory_v2 version") != Integer.toUnsignedLong(NvmlLibrary.nvmlMemory_v2_t.VERSION)) {
            mismatches.add("nvmlMemory_v2 version: C " + cLayout.get("nvmlMemory_v2 version"));
        }
        for (String[] f : FUNCTIONS) {
            int arity = f[1].equals("void") ? 0 : f[1].split(",").length;
            boolean found = false;
            for (Method m : NvmlLibrary.class.getMethods()) {
                found |= m.getName().equals(f[0]) && m.getParameterCount() == arity && m.getReturnType() == int.class;
            }
            if (!found) {
                mismatches.add("NvmlLibrary lacks int " + f[0] + " with " + arity + " parameters");
            }
        }
        assertTrue(mismatches.isEmpty(), release + " nvml.h vs JNA mapping:\n" + String.join("\n", mismatches));
    }

    private static boolean gccAvailable() {
        try {
            return new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start().waitFor(20, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command[0]);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + text);
        return text;
    }
}
