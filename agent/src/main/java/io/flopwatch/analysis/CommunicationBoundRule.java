package io.flopwatch.analysis;

import java.util.OptionalDouble;

/**
 * The "communication-bound" rule of the diagnosis (docs/interconnect.md): a GPU whose
 * compute units are mostly idle while its NVLink or its nearest NIC runs near the link's ceiling is
 * waiting on communication. Pure, so the diagnosis can call it per GPU and per window.
 *
 * <p>Compute is judged by tensor-pipe activity when it is known (GPM / DCGM "tensor active"), else
 * by SM activity; NCCL's own kernels keep a few SMs busy while moving data, which is why the
 * SM-activity threshold is not near zero. Thresholds are in {@link Thresholds}; how they were
 * chosen is in docs/interconnect.md.
 */
public final class CommunicationBoundRule {

    private CommunicationBoundRule() {
    }

    public enum Verdict { COMMUNICATION_BOUND, NOT_COMMUNICATION_BOUND, UNKNOWN }

    /**
     * @param smActiveBelow      SM activity (0..1) under which compute counts as mostly idle; 0.5 is
     *                           NVIDIA's cut-off for that metric in the DCGM User Guide (Feature
     *                           Overview, profiling metrics, SM Activity: "A value less than 0.5
     *                           likely indicates ineffective GPU usage"); using it for this rule is
     *                           flopwatch's choice
     * @param tensorActiveBelow  tensor activity (0..1) under which compute counts as mostly idle
     *                           (flopwatch's choice, see docs/interconnect.md)
     * @param linkUtilizationAtLeast link use (0..1 of nominal capacity, busier direction) from which
     *                           a link counts as near its ceiling (flopwatch's choice)
     */
    public record Thresholds(double smActiveBelow, double tensorActiveBelow, double linkUtilizationAtLeast) {
        public static final Thresholds DEFAULT = new Thresholds(0.5, 0.2, 0.6);

        public Thresholds {
            for (double t : new double[] {smActiveBelow, tensorActiveBelow, linkUtilizationAtLeast}) {
                if (!(t > 0 && t <= 1)) {
                    throw new IllegalArgumentException("thresholds are ratios in (0, 1]: " + t);
                }
            }
        }
    }

    /**
     * One GPU over one window; every ratio 0..1, empty when not measured.
     *
     * @param nvlinkUtilization busier direction of the GPU's NVLink traffic over its per-direction capacity
     * @param nicUtilization    busier direction of the GPU's nearest NIC port over its rate
     */
    public record Observation(OptionalDouble smActive, OptionalDouble tensorActive,
                              OptionalDouble nvlinkUtilization, OptionalDouble nicUtilization) {
    }

    public record Result(Verdict verdict, String reason) {
    }

    /**
     * {@link #evaluate}'s verdict alone, without formatting its reason: the diagnosis of every GPU
     * in every cycle needs only this, and the two {@code String.format}s of the reason cost more
     * than the rest of that GPU's analysis.
     */
    public static Verdict verdict(Observation o, Thresholds t) {
        boolean computeKnown = o.tensorActive().isPresent() || o.smActive().isPresent();
        boolean linkKnown = o.nvlinkUtilization().isPresent() || o.nicUtilization().isPresent();
        if (!computeKnown || !linkKnown) {
            return Verdict.UNKNOWN;
        }
        boolean idle = o.tensorActive().isPresent() ? o.tensorActive().getAsDouble() < t.tensorActiveBelow()
                : o.smActive().getAsDouble() < t.smActiveBelow();
        double busiest = Math.max(o.nvlinkUtilization().orElse(0), o.nicUtilization().orElse(0));
        boolean saturated = busiest >= t.linkUtilizationAtLeast();
        return idle && saturated ? Verdict.COMMUNICATION_BOUND : Verdict.NOT_COMMUNICATION_BOUND;
    }

    public static Result evaluate(Observation o, Thresholds t) {
        Verdict verdict = verdict(o, t);
        if (verdict == Verdict.UNKNOWN) {
            boolean computeKnown = o.tensorActive().isPresent() || o.smActive().isPresent();
            return new Result(verdict, !computeKnown ? "no SM or tensor activity measured"
                    : "no NVLink or NIC traffic measured");
        }
        String computeText = o.tensorActive().isPresent()
                ? String.format(java.util.Locale.ROOT, "tensor active %.0f%%", 100 * o.tensorActive().getAsDouble())
                : String.format(java.util.Locale.ROOT, "SM active %.0f%%", 100 * o.smActive().getAsDouble());
        double nvlink = o.nvlinkUtilization().orElse(0);
        double nic = o.nicUtilization().orElse(0);
        String link = nvlink >= nic ? "NVLink" : "NIC";
        String text = String.format(java.util.Locale.ROOT, "%s while %s at %.0f%% of capacity", computeText, link,
                100 * Math.max(nvlink, nic));
        return new Result(verdict, text);
    }

    /**
     * NVLink use as a ratio: the busier direction over half the GPU's total NVLink bandwidth. NVIDIA
     * quotes NVLink bandwidth per GPU as the sum of both directions (H100 SXM: 900 GB/s = 450 GB/s
     * each way; the catalog's {@code nvlink_bandwidth_gb_per_s}); NVML's NVLink throughput counters
     * are per direction. Empty without a positive capacity.
     */
    public static OptionalDouble nvlinkUtilization(double transmitBytesPerSecond, double receiveBytesPerSecond,
                                                   double totalBothDirectionsBytesPerSecond) {
        if (!(totalBothDirectionsBytesPerSecond > 0)) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Math.max(transmitBytesPerSecond, receiveBytesPerSecond)
                / (totalBothDirectionsBytesPerSecond / 2));
    }
}
