package io.flopwatch.cupti.jna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flopwatch.cupti.CuptiTestSupport;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JNA mapping against the real CUPTI headers of /usr/local/cuda: a C++ program (the host
 * header includes {@code <string>}) compiled by g++ prints, for every params structure, the
 * header's {@code *_STRUCT_SIZE} macro, {@code sizeof} and the offset of every field; the test
 * compares them with JNA's layout and with each structure's {@code STRUCT_SIZE} constant (the
 * value sent as {@code structSize}, which must be the macro's, unpadded). The same program
 * assigns every mapped function to a pointer of the C type transcribed here, so a signature
 * that differs from the header fails to compile, and the test checks {@link CuptiLibrary}
 * has a method of the same arity.
 */
class CuptiAbiConformanceTest {

    private static final List<Class<? extends CuptiLibrary.CuptiParams>> STRUCTURES = List.of(
            CuptiLibrary.CUpti_Profiler_Initialize_Params.class,
            CuptiLibrary.CUpti_Profiler_DeInitialize_Params.class,
            CuptiLibrary.CUpti_Device_GetChipName_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_Initialize_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_Deinitialize_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_GetSupportedChips_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_GetBaseMetrics_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_GetSubMetrics_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_GetMetricProperties_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_EvaluateToGpuValues_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_ConfigAddMetrics_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_GetConfigImageSize_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_GetConfigImage_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_GetNumOfPasses_Params.class,
            CuptiLibrary.CUpti_Profiler_Host_GetMaxNumHardwareMetricsPerPass_Params.class,
            CuptiLibrary.CUpti_PmSampling_SetConfig_Params.class,
            CuptiLibrary.CUpti_PmSampling_Enable_Params.class,
            CuptiLibrary.CUpti_PmSampling_Disable_Params.class,
            CuptiLibrary.CUpti_PmSampling_Start_Params.class,
            CuptiLibrary.CUpti_PmSampling_Stop_Params.class,
            CuptiLibrary.CUpti_PmSampling_DecodeData_Params.class,
            CuptiLibrary.CUpti_PmSampling_GetCounterAvailability_Params.class,
            CuptiLibrary.CUpti_PmSampling_GetCounterDataSize_Params.class,
            CuptiLibrary.CUpti_PmSampling_CounterDataImage_Initialize_Params.class,
            CuptiLibrary.CUpti_PmSampling_GetCounterDataInfo_Params.class,
            CuptiLibrary.CUpti_PmSampling_CounterData_GetSampleInfo_Params.class);

    /** Function → its parameter types, transcribed from the headers; each returns CUptiResult. */
    private static final Map<String, String> FUNCTIONS = new LinkedHashMap<>();

    static {
        FUNCTIONS.put("cuptiGetVersion", "uint32_t *");
        FUNCTIONS.put("cuptiGetResultString", "CUptiResult, const char **");
        for (Class<? extends CuptiLibrary.CuptiParams> s : STRUCTURES) {
            String function = functionFor(s.getSimpleName());
            FUNCTIONS.put(function, s.getSimpleName() + " *");
        }
    }

    /** The CUDA driver functions, transcribed from cuda.h; each returns CUresult. */
    private static final List<String[]> CUDA_FUNCTIONS = List.of(
            new String[] {"cuInit", "unsigned int"},
            new String[] {"cuDriverGetVersion", "int *"},
            new String[] {"cuDeviceGetCount", "int *"},
            new String[] {"cuDeviceGet", "CUdevice *, int"},
            new String[] {"cuDeviceGetPCIBusId", "char *, int, CUdevice"});

    /** CUpti_PmSampling_Start_Params → cuptiPmSamplingStart, and so on (the headers' naming). */
    private static String functionFor(String struct) {
        return switch (struct) {
            case "CUpti_Profiler_Initialize_Params" -> "cuptiProfilerInitialize";
            case "CUpti_Profiler_DeInitialize_Params" -> "cuptiProfilerDeInitialize";
            case "CUpti_Device_GetChipName_Params" -> "cuptiDeviceGetChipName";
            case "CUpti_PmSampling_CounterDataImage_Initialize_Params" -> "cuptiPmSamplingCounterDataImageInitialize";
            case "CUpti_PmSampling_CounterData_GetSampleInfo_Params" -> "cuptiPmSamplingCounterDataGetSampleInfo";
            default -> {
                String body = struct.substring("CUpti_".length(), struct.length() - "_Params".length());
                yield "cupti" + body.replace("Profiler_Host_", "ProfilerHost").replace("PmSampling_", "PmSampling");
            }
        };
    }

    @Test
    void structuresAndSignaturesMatchTheHeaders(@TempDir Path dir) throws Exception {
        Path include = CuptiTestSupport.includeDir().orElse(null);
        assumeTrue(include != null, "no CUPTI headers (cupti_profiler_host.h, cuda.h) under /usr/local/cuda or $CUDA_HOME");
        assumeTrue(available("g++"), "g++ not found: cannot compile the ABI probe");

        String prologue = "#include <cstdio>\n#include <cstddef>\n#include <cstdint>\n"
                + "#include <cupti_result.h>\n#include <cupti_version.h>\n#include <cupti_target.h>\n"
                + "#include <cupti_profiler_target.h>\n#include <cupti_profiler_host.h>\n#include <cupti_pmsampling.h>\n";
        // Signatures: compiled only (-fsyntax-only), nothing to link against.
        StringBuilder signatures = new StringBuilder(prologue);
        for (Map.Entry<String, String> f : FUNCTIONS.entrySet()) {
            signatures.append("typedef CUptiResult fn_").append(f.getKey()).append("(").append(f.getValue()).append(");\n")
                    .append("fn_").append(f.getKey()).append(" *chk_").append(f.getKey()).append(" = ")
                    .append(f.getKey()).append(";\n");
        }
        // CudaDriverLibrary against cuda.h (which the PM sampling header includes).
        for (String[] f : CUDA_FUNCTIONS) {
            signatures.append("typedef CUresult fn_").append(f[0]).append("(").append(f[1]).append(");\n")
                    .append("fn_").append(f[0]).append(" *chk_").append(f[0]).append(" = ").append(f[0]).append(";\n");
        }
        Path signatureSource = dir.resolve("signatures.cpp");
        Files.writeString(signatureSource, signatures);
        run(dir, "g++", "-std=c++17", "-fsyntax-only", "-I", include.toString(), signatureSource.toString());

        StringBuilder c = new StringBuilder(prologue);
        c.append("int main() {\n");
        List<CuptiLibrary.CuptiParams> instances = new ArrayList<>();
        for (Class<? extends CuptiLibrary.CuptiParams> type : STRUCTURES) {
            CuptiLibrary.CuptiParams s = type.getDeclaredConstructor().newInstance();
            instances.add(s);
            String t = type.getSimpleName();
            c.append("  printf(\"%s macro %zu\\n\", \"").append(t).append("\", (size_t) ").append(t).append("_STRUCT_SIZE);\n");
            c.append("  printf(\"%s sizeof %zu\\n\", \"").append(t).append("\", sizeof(").append(t).append("));\n");
            for (String field : s.fieldNames()) {
                c.append("  printf(\"%s ").append(field).append(" %zu\\n\", \"").append(t).append("\", offsetof(")
                        .append(t).append(", ").append(field).append("));\n");
            }
        }
        c.append("  printf(\"constants %d %d %d %d %d\\n\", (int) CUPTI_PROFILER_TYPE_PM_SAMPLING, "
                + "(int) CUPTI_METRIC_TYPE_THROUGHPUT, (int) CUPTI_PM_SAMPLING_TRIGGER_MODE_GPU_TIME_INTERVAL, "
                + "(int) CUPTI_PM_SAMPLING_DECODE_STOP_REASON_COUNTER_DATA_FULL, "
                + "(int) CUPTI_PM_SAMPLING_HARDWARE_BUFFER_APPEND_MODE_KEEP_LATEST);\n");
        c.append("  return 0;\n}\n");
        Path source = dir.resolve("abi.cpp");
        Files.writeString(source, c);
        Path exe = dir.resolve("abi");
        run(dir, "g++", "-std=c++17", "-Wall", "-I", include.toString(), "-o", exe.toString(), source.toString());
        Map<String, Long> layout = new LinkedHashMap<>();
        String constants = "";
        for (String line : run(dir, exe.toString()).split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts[0].equals("constants")) {
                constants = line.trim();
            } else {
                layout.put(parts[0] + " " + parts[1], Long.parseLong(parts[2]));
            }
        }

        List<String> mismatches = new ArrayList<>();
        for (CuptiLibrary.CuptiParams s : instances) {
            String t = s.getClass().getSimpleName();
            if (s.macroStructSize() != layout.get(t + " macro")) {
                mismatches.add(t + " structSize: header macro " + layout.get(t + " macro") + ", ours " + s.macroStructSize());
            }
            if (s.size() != layout.get(t + " sizeof")) {
                mismatches.add(t + " sizeof: C " + layout.get(t + " sizeof") + ", JNA " + s.size());
            }
            for (String field : s.fieldNames()) {
                long cOffset = layout.get(t + " " + field);
                if (cOffset != s.offsetOf(field)) {
                    mismatches.add(t + "." + field + ": C offset " + cOffset + ", JNA " + s.offsetOf(field));
                }
            }
        }
        String expectedConstants = "constants " + CuptiLibrary.CUPTI_PROFILER_TYPE_PM_SAMPLING + " "
                + CuptiLibrary.CUPTI_METRIC_TYPE_THROUGHPUT + " " + CuptiLibrary.CUPTI_PM_SAMPLING_TRIGGER_MODE_GPU_TIME_INTERVAL
                + " " + CuptiLibrary.CUPTI_PM_SAMPLING_DECODE_STOP_REASON_COUNTER_DATA_FULL + " "
                + CuptiLibrary.CUPTI_PM_SAMPLING_HARDWARE_BUFFER_APPEND_MODE_KEEP_LATEST;
        if (!constants.equals(expectedConstants)) {
            mismatches.add("enum values: header '" + constants + "', ours '" + expectedConstants + "'");
        }
        for (String[] f : CUDA_FUNCTIONS) {
            boolean found = false;
            for (Method m : CudaDriverLibrary.class.getMethods()) {
                found |= m.getName().equals(f[0]) && m.getParameterCount() == f[1].split(",").length
                        && m.getReturnType() == int.class;
            }
            if (!found) {
                mismatches.add("CudaDriverLibrary lacks int " + f[0]);
            }
        }
        for (Map.Entry<String, String> f : FUNCTIONS.entrySet()) {
            int arity = f.getValue().split(",").length;
            boolean found = false;
            for (Method m : CuptiLibrary.class.getMethods()) {
                found |= m.getName().equals(f.getKey()) && m.getParameterCount() == arity && m.getReturnType() == int.class;
            }
            if (!found) {
                mismatches.add("CuptiLibrary lacks int " + f.getKey() + " with " + arity + " parameters");
            }
        }
        assertTrue(mismatches.isEmpty(), "CUPTI headers in " + include + " vs JNA mapping:\n" + String.join("\n", mismatches));
        // The reason the explicit sizes exist (reference/cupti-pm-sampling.md): 45, not the padded 48.
        assertEquals(45, layout.get("CUpti_PmSampling_DecodeData_Params macro"));
        assertEquals(48, layout.get("CUpti_PmSampling_DecodeData_Params sizeof"));
    }

    private static boolean available(String tool) {
        try {
            return new ProcessBuilder(tool, "--version").redirectErrorStream(true).start().waitFor(20, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command[0]);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + text);
        return text;
    }
}
