package io.flopwatch.cli;

import io.flopwatch.flops.FlopsEstimate;
import io.flopwatch.flops.ModelSpec;
import io.flopwatch.flops.Utilization;
import io.flopwatch.flops.Workload;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.GpuSpec;
import io.flopwatch.gpu.Precision;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flopwatch mfu}: MFU and HFU from a throughput, on paper. */
@Command(name = "mfu", mixinStandardHelpOptions = true,
        description = "MFU and HFU of a run from its tokens/s: model FLOPs/token x tokens/s / (GPUs x dense peak).")
public final class MfuCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FlopsCli.ModelOptions model;

    @Option(names = "--tokens-per-second", paramLabel = "R", required = true, description = "Tokens per second, total over all GPUs.")
    String tokensPerSecond;

    @Option(names = "--gpus", paramLabel = "G", defaultValue = "1", description = "GPUs the throughput is spread over (default: ${DEFAULT-VALUE}).")
    int gpus;

    @Option(names = "--peak-flops", paramLabel = "P", description = "Dense peak FLOP/s per device, instead of --gpu (e.g. 275e12 for a TPU v4 chip).")
    String peakFlops;

    @Option(names = "--sm-clock-mhz", paramLabel = "MHZ", description = "Current SM clock: also report MFU against the clock-aware peak (needs --gpu).")
    Double smClockMhz;

    @CommandLine.Mixin
    FlopsCli.WorkloadOptions workload;

    @CommandLine.Mixin
    FlopsCli.GpuOptions gpuOptions;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
        CommandLine cli = spec.commandLine();
        ModelSpec m = model.resolve(cli);
        Workload w = workload.resolve(cli);
        double rate = FlopsCli.number(cli, "--tokens-per-second", tokensPerSecond);
        if (!(rate >= 0) || gpus <= 0) {
            throw new CommandLine.ParameterException(cli, "--tokens-per-second must be >= 0 and --gpus > 0");
        }
        if ((gpuOptions.gpu == null) == (peakFlops == null)) {
            throw new CommandLine.ParameterException(cli, "give exactly one of --gpu ID or --peak-flops P");
        }
        Precision precision = gpuOptions.precision(cli);
        GpuSpec g = gpuOptions.gpuOrNull();
        double peak;
        if (g != null) {
            peak = GpuCatalog.requirePeak(g, precision);
        } else {
            peak = FlopsCli.number(cli, "--peak-flops", peakFlops);
            if (!(peak > 0)) {
                throw new CommandLine.ParameterException(cli, "--peak-flops must be positive");
            }
        }
        FlopsEstimate est = FlopsCli.estimate(m, w);
        Utilization u = Utilization.of(est, rate, gpus, peak);

        Double clockPeak = null;
        if (smClockMhz != null) {
            if (g == null) {
                throw new CommandLine.ParameterException(cli, "--sm-clock-mhz needs --gpu (the boost clock comes from the catalog)");
            }
            GpuSpec gs = g;
            clockPeak = g.clockAwarePeak(precision, smClockMhz * 1e6).orElseThrow(() -> new io.flopwatch.config.InputError(
                    "--sm-clock-mhz", 0, 0, null, gs.id() + " has no boost clock in the catalog"));
        }

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", m.name());
        j.put("mode", w.mode().name().toLowerCase(Locale.ROOT));
        j.put("formula", FlopsCli.formulaName(w.formula()));
        j.put("recompute", w.recompute().name().toLowerCase(Locale.ROOT));
        j.put("gpu", g == null ? null : g.id());
        j.put("dtype", g == null ? null : precision.key());
        j.put("gpus", gpus);
        j.put("tokens_per_second", rate);
        j.put("flops_per_token", est.modelFlopsPerToken());
        j.put("hardware_flops_per_token", est.hardwareFlopsPerToken());
        j.put("achieved_flops_per_gpu", u.achievedFlopsPerGpu());
        j.put("achieved_hardware_flops_per_gpu", u.achievedHardwareFlopsPerGpu());
        j.put("peak_flops_per_gpu", u.peakFlopsPerGpu());
        j.put("mfu", u.mfu());
        j.put("hfu", u.hfu());
        if (clockPeak != null) {
            j.put("sm_clock_hz", smClockMhz * 1e6);
            j.put("clock_aware_peak_flops_per_gpu", clockPeak);
            j.put("mfu_at_clock", u.achievedFlopsPerGpu() / clockPeak);
        }
        j.put("notes", est.notes());

        PrintWriter out = cli.getOut();
        if (json) {
            out.println(FlopsCli.json(j));
        } else {
            out.printf(Locale.ROOT, "model %s, %s, formula %s, recompute %s, %d x %s%n", m.name(),
                    w.mode().name().toLowerCase(Locale.ROOT), FlopsCli.formulaName(w.formula()),
                    w.recompute().name().toLowerCase(Locale.ROOT), gpus,
                    g == null ? "device at " + FlopsCli.si(peak) + "FLOP/s" : g.id() + " " + precision.key());
            out.printf(Locale.ROOT, "model FLOPs/token     %s   hardware FLOPs/token %s%n",
                    FlopsCli.si(est.modelFlopsPerToken()), FlopsCli.si(est.hardwareFlopsPerToken()));
            out.printf(Locale.ROOT, "achieved per GPU      %sFLOP/s (hardware %sFLOP/s)%n",
                    FlopsCli.si(u.achievedFlopsPerGpu()), FlopsCli.si(u.achievedHardwareFlopsPerGpu()));
            out.printf(Locale.ROOT, "peak per GPU (dense)  %sFLOP/s%n", FlopsCli.si(peak));
            out.printf(Locale.ROOT, "MFU %s   HFU %s%n", FlopsCli.percent(u.mfu()), FlopsCli.percent(u.hfu()));
            if (clockPeak != null) {
                out.printf(Locale.ROOT, "at SM clock %.0f MHz: peak %sFLOP/s, MFU %s%n", smClockMhz,
                        FlopsCli.si(clockPeak), FlopsCli.percent(u.achievedFlopsPerGpu() / clockPeak));
            }
            for (String n : est.notes()) {
                out.println("note: " + n);
            }
        }
        out.flush();
    }
}
