package io.flopwatch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flopwatch.config.InputError;
import io.flopwatch.flops.FlopCounter;
import io.flopwatch.flops.FlopsEstimate;
import io.flopwatch.flops.Formula;
import io.flopwatch.flops.Mode;
import io.flopwatch.flops.ModelSpec;
import io.flopwatch.flops.ModelSpecs;
import io.flopwatch.flops.Recompute;
import io.flopwatch.flops.Workload;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.GpuSpec;
import io.flopwatch.gpu.Precision;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

/** What the flops, mfu and roofline commands share: model and GPU options, parsing, output. */
final class FlopsCli {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private FlopsCli() {
    }

    /** {@code --model SPEC} or {@code --params N}: exactly one. */
    static final class ModelOptions {
        @CommandLine.Option(names = "--model", paramLabel = "SPEC",
                description = "Preset id (e.g. llama-3-70b), a Hugging Face config.json (or its folder), or a YAML spec file.")
        String model;

        @CommandLine.Option(names = "--params", paramLabel = "N",
                description = "Only a parameter count (e.g. 1e12), for a rough estimate: 2N FLOPs per forward token.")
        String params;

        ModelSpec resolve(CommandLine cli) {
            if ((model == null) == (params == null)) {
                throw new CommandLine.ParameterException(cli, "give exactly one of --model SPEC or --params N");
            }
            if (params != null) {
                double n = number(cli, "--params", params);
                if (!(n >= 1)) {
                    throw new CommandLine.ParameterException(cli, "--params must be at least 1, got " + params);
                }
                return ModelSpec.ofParams(Math.round(n));
            }
            return ModelSpecs.resolve(model);
        }
    }

    /** What is counted: mode, lengths, recomputation, causal attention, formula. */
    static final class WorkloadOptions {
        @CommandLine.Option(names = "--seq-len", paramLabel = "T",
                description = "Sequence length (train, forward) or prompt length (prefill).")
        Long seqLen;

        @CommandLine.Option(names = "--mode", paramLabel = "MODE", defaultValue = "train",
                description = "train|forward|prefill|decode (default: ${DEFAULT-VALUE}).")
        String mode;

        @CommandLine.Option(names = "--context", paramLabel = "C",
                description = "Cached keys each decoded token attends to (--mode decode).")
        Long context;

        @CommandLine.Option(names = "--recompute", paramLabel = "KIND", defaultValue = "none",
                description = "none|selective|full activation recomputation, for hardware FLOPs (default: ${DEFAULT-VALUE}).")
        String recompute;

        @CommandLine.Option(names = "--causal", description = "Count only the causal half of the attention term.")
        boolean causal;

        @CommandLine.Option(names = "--formula", paramLabel = "F", defaultValue = "palm",
                description = "detailed|palm|kaplan|megatron|6n (default: ${DEFAULT-VALUE}).")
        String formula;

        Workload resolve(CommandLine cli) {
            try {
                return new Workload(mode(cli, mode), seqLen == null ? 0 : seqLen, context == null ? 0 : context,
                        recompute(cli, recompute), causal, formula(cli, formula));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cli, e.getMessage());
            }
        }
    }

    /** Which GPU, in which precision, from which catalog. */
    static final class GpuOptions {
        @CommandLine.Option(names = "--gpu", paramLabel = "ID",
                description = "Catalog id (h100-sxm) or NVML name (\"NVIDIA H100 80GB HBM3\").")
        String gpu;

        @CommandLine.Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "bf16",
                description = "Precision of the peak (and of roofline's default weight and KV widths): "
                        + "fp64, fp64_tensor, fp32, tf32, bf16, fp16, fp8, int8, fp4 (default: ${DEFAULT-VALUE}).")
        String dtype;

        @CommandLine.Option(names = "--gpu-catalog", paramLabel = "FILE",
                description = "Your own GPU catalog entries, laid over the built-in one (docs/flops.md).")
        Path gpuCatalog;

        /** The named GPU, or null when --gpu was not given. */
        GpuSpec gpuOrNull() {
            return gpu == null ? null : GpuCatalog.load(Optional.ofNullable(gpuCatalog)).require("--gpu", gpu);
        }

        Precision precision(CommandLine cli) {
            return FlopsCli.precision(cli, dtype);
        }
    }

    static double number(CommandLine cli, String flag, String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(cli, flag + " expects a number, got '" + text + "'");
        }
    }

    static Mode mode(CommandLine cli, String text) {
        return enumOption(cli, "--mode", text, Mode.class);
    }

    static Recompute recompute(CommandLine cli, String text) {
        return enumOption(cli, "--recompute", text, Recompute.class);
    }

    static Formula formula(CommandLine cli, String text) {
        if (text.equalsIgnoreCase("6n")) {
            return Formula.SIX_N;
        }
        return enumOption(cli, "--formula", text, Formula.class);
    }

    static String formulaName(Formula f) {
        return f == Formula.SIX_N ? "6n" : f.name().toLowerCase(Locale.ROOT);
    }

    static Precision precision(CommandLine cli, String text) {
        return Precision.fromKey(text).orElseThrow(() -> new CommandLine.ParameterException(cli,
                "--dtype expects one of " + String.join(", ",
                        Arrays.stream(Precision.values()).map(Precision::key).toList()) + ", got '" + text + "'"));
    }

    private static <E extends Enum<E>> E enumOption(CommandLine cli, String flag, String text, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text.trim())) {
                return e;
            }
        }
        String names = String.join("|", Arrays.stream(type.getEnumConstants())
                .map(e -> type == Formula.class ? formulaName((Formula) e) : e.name().toLowerCase(Locale.ROOT))
                .toList());
        throw new CommandLine.ParameterException(cli, flag + " expects " + names + ", got '" + text + "'");
    }

    static String json(Map<String, Object> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** Counts FLOPs; a formula that cannot apply (kaplan or megatron with --params) is bad input. */
    static FlopsEstimate estimate(ModelSpec m, Workload w) {
        try {
            return FlopCounter.estimate(m, w);
        } catch (IllegalArgumentException e) {
            throw new InputError("--formula", 0, 0, null, e.getMessage());
        }
    }

    /** 1.23e15 → "1.23 P"; for FLOPs, bytes and rates in tables. */
    static String si(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == 0) {
            return "0 ";
        }
        String[] prefixes = {"", " k", " M", " G", " T", " P", " E"};
        double a = Math.abs(v);
        int i = 0;
        while (a >= 1000 && i < prefixes.length - 1) {
            a /= 1000;
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, "%.4g%s", v, prefixes[i]);
    }

    static String percent(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * ratio);
    }

    /** NaN is not valid JSON: absent values are written as null. */
    static Object orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
