package io.flopwatch.cli;

import io.flopwatch.flops.ModelSpec;
import io.flopwatch.flops.Roofline;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.GpuSpec;
import io.flopwatch.gpu.Precision;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flopwatch roofline}: is decoding this model on these GPUs memory- or compute-bound? */
@Command(name = "roofline", mixinStandardHelpOptions = true,
        description = "Decode roofline: bytes and FLOPs per step, bandwidth- and compute-bound token rates, MFU, memory fit.")
public final class RooflineCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FlopsCli.ModelOptions model;

    @CommandLine.Mixin
    FlopsCli.GpuOptions gpuOptions;

    @Option(names = "--gpus", paramLabel = "G", defaultValue = "1", description = "GPUs serving the model together (tensor parallel) (default: ${DEFAULT-VALUE}).")
    int gpus;

    @Option(names = "--weight-bytes", paramLabel = "B", description = "Bytes per stored weight (default: the --dtype width; 1 for 8-bit, 0.5 for 4-bit).")
    Double weightBytes;

    @Option(names = "--kv-cache-bytes", paramLabel = "B", description = "Bytes per cached key/value element (default: the --dtype width, at least 1).")
    Double kvBytes;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "Sequences decoded together per step (default: ${DEFAULT-VALUE}).")
    long batch;

    @Option(names = "--context", paramLabel = "C", required = true, description = "Tokens in each sequence's KV cache.")
    long context;

    @Option(names = "--tokens-per-second", paramLabel = "R", description = "A total decode rate to check (claimed or measured).")
    String tokensPerSecond;

    @Option(names = "--power-limit-watts", paramLabel = "W", description = "Power limit per GPU for the energy per token at the limit (default: the catalog's tdp_watts for --gpu).")
    String powerLimitWatts;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
        CommandLine cli = spec.commandLine();
        ModelSpec m = model.resolve(cli);
        if (gpuOptions.gpu == null) {
            throw new CommandLine.ParameterException(cli, "missing required option --gpu ID");
        }
        Precision precision = gpuOptions.precision(cli);
        GpuSpec g = gpuOptions.gpuOrNull();
        double peak = GpuCatalog.requirePeak(g, precision);
        double wBytes = weightBytes != null ? weightBytes : precision.bytesPerElement();
        double kBytes = kvBytes != null ? kvBytes : Math.max(1.0, precision.bytesPerElement());
        double rate = tokensPerSecond == null ? Double.NaN
                : FlopsCli.number(cli, "--tokens-per-second", tokensPerSecond);
        double watts = Double.NaN;
        String wattsSource = null;
        if (powerLimitWatts != null) {
            watts = FlopsCli.number(cli, "--power-limit-watts", powerLimitWatts);
            if (!(watts > 0)) {
                throw new CommandLine.ParameterException(cli, "--power-limit-watts must be positive");
            }
            wattsSource = "--power-limit-watts";
        } else if (g.tdpWatts().isPresent()) {
            watts = g.tdpWatts().getAsDouble();
            wattsSource = g.tdpSource();
        }
        Roofline.Result r;
        try {
            r = Roofline.decode(m, new Roofline.Decode(batch, context, wBytes, kBytes, rate),
                    new Roofline.Hardware(gpus, peak, g.memoryBandwidthBytesPerSecond(), g.memoryBytes()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, e.getMessage());
        }

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", m.name());
        j.put("gpu", g.id());
        j.put("gpus", gpus);
        j.put("dtype", precision.key());
        j.put("batch", batch);
        j.put("context_tokens", context);
        j.put("weight_bytes_per_param", wBytes);
        j.put("kv_cache_bytes_per_element", kBytes);
        j.put("peak_flops_per_gpu", peak);
        j.put("memory_bandwidth_bytes_per_second", g.memoryBandwidthBytesPerSecond());
        j.put("memory_bytes_per_gpu", g.memoryBytes());
        j.put("flops_per_token", r.flopsPerToken());
        j.put("flops_per_step", r.flopsPerStep());
        j.put("weight_bytes_per_step", r.weightBytesReadPerStep());
        j.put("kv_cache_bytes_per_step", r.kvCacheBytesReadPerStep());
        j.put("bytes_per_step", r.bytesPerStep());
        j.put("memory_time_per_step_seconds", r.memoryTimePerStepSeconds());
        j.put("compute_time_per_step_seconds", r.computeTimePerStepSeconds());
        j.put("bandwidth_bound_tokens_per_second", r.bandwidthBoundTokensPerSecond());
        j.put("compute_bound_tokens_per_second", r.computeBoundTokensPerSecond());
        j.put("attainable_tokens_per_second", r.attainableTokensPerSecond());
        j.put("attainable_tokens_per_second_per_sequence", r.attainableTokensPerSecondPerSequence());
        j.put("bound", r.bound());
        j.put("mfu_at_attainable", r.mfuAtAttainable());
        j.put("requested_tokens_per_second", FlopsCli.orNull(r.requestedTokensPerSecond()));
        j.put("requested_attainable", tokensPerSecond == null ? null : r.requestedAttainable());
        j.put("mfu_at_requested", FlopsCli.orNull(r.mfuAtRequested()));
        j.put("weight_bytes_stored", r.weightBytesStored());
        j.put("kv_cache_bytes_stored", r.kvCacheBytesStored());
        j.put("memory_required_bytes", r.memoryRequiredBytes());
        j.put("memory_available_bytes", r.memoryAvailableBytes());
        j.put("fits_in_memory", r.fitsInMemory());
        boolean hasWatts = !Double.isNaN(watts);
        double joulesAttainable = hasWatts ? Roofline.joulesPerToken(watts, gpus, r.attainableTokensPerSecond()) : Double.NaN;
        double joulesRequested = hasWatts && tokensPerSecond != null && rate > 0
                ? Roofline.joulesPerToken(watts, gpus, rate) : Double.NaN;
        j.put("power_limit_watts_per_gpu", FlopsCli.orNull(watts));
        j.put("power_limit_source", wattsSource);
        j.put("joules_per_token_at_attainable", FlopsCli.orNull(joulesAttainable));
        j.put("joules_per_token_at_requested", FlopsCli.orNull(joulesRequested));
        List<String> notes = new ArrayList<>(r.notes());
        if (!hasWatts) {
            notes.add("no tdp_watts for " + g.id() + " in the GPU catalog: pass --power-limit-watts for the energy per token");
        } else {
            notes.add("energy per token counts only GPU board power at the limit; CPUs, NICs and cooling are not included");
        }
        j.put("notes", notes);

        PrintWriter out = cli.getOut();
        if (json) {
            out.println(FlopsCli.json(j));
        } else {
            out.printf(Locale.ROOT, "decode %s on %d x %s (%s peak %sFLOP/s, %sB/s, %sB each)%n", m.name(), gpus,
                    g.id(), precision.key(), FlopsCli.si(peak), FlopsCli.si(g.memoryBandwidthBytesPerSecond()),
                    FlopsCli.si(g.memoryBytes()));
            out.printf(Locale.ROOT, "batch %d, context %d, %.3g bytes/weight, %.3g bytes/KV element%n", batch, context,
                    wBytes, kBytes);
            out.printf(Locale.ROOT, "per step: weights %sB + KV cache %sB = %sB read; %sFLOP%n",
                    FlopsCli.si(r.weightBytesReadPerStep()), FlopsCli.si(r.kvCacheBytesReadPerStep()),
                    FlopsCli.si(r.bytesPerStep()), FlopsCli.si(r.flopsPerStep()));
            out.printf(Locale.ROOT, "bandwidth-bound rate %s tokens/s, compute-bound rate %s tokens/s%n",
                    FlopsCli.si(r.bandwidthBoundTokensPerSecond()), FlopsCli.si(r.computeBoundTokensPerSecond()));
            out.printf(Locale.ROOT, "attainable %s tokens/s (%s per sequence), %s-bound, MFU there %s%n",
                    FlopsCli.si(r.attainableTokensPerSecond()), FlopsCli.si(r.attainableTokensPerSecondPerSequence()),
                    r.bound().replace('_', ' '), FlopsCli.percent(r.mfuAtAttainable()));
            if (tokensPerSecond != null) {
                out.printf(Locale.ROOT, "at %s tokens/s: %s, MFU %s%n", FlopsCli.si(rate),
                        r.requestedAttainable() ? "attainable" : "NOT attainable", FlopsCli.percent(r.mfuAtRequested()));
            }
            out.printf(Locale.ROOT, "memory: need %sB (weights %sB + KV %sB), have %sB: %s%n",
                    FlopsCli.si(r.memoryRequiredBytes()), FlopsCli.si(r.weightBytesStored()),
                    FlopsCli.si(r.kvCacheBytesStored()), FlopsCli.si(r.memoryAvailableBytes()),
                    r.fitsInMemory() ? "fits" : "does NOT fit");
            if (hasWatts) {
                out.printf(Locale.ROOT, "energy at the power limit (%.0f W x %d): %.4g J/token at the attainable rate%s%n",
                        watts, gpus, joulesAttainable, Double.isNaN(joulesRequested) ? ""
                                : String.format(Locale.ROOT, ", %.4g J/token at %s tokens/s", joulesRequested,
                                FlopsCli.si(rate)));
            }
            for (String n : notes) {
                out.println("note: " + n);
            }
        }
        out.flush();
    }
}
