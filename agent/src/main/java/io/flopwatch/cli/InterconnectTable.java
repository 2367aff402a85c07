package io.flopwatch.cli;

import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.interconnect.GpuInterconnect;
import io.flopwatch.telemetry.interconnect.InfinibandPort;
import java.io.PrintWriter;
import java.util.Locale;

/** The interconnect and energy part of {@code flopwatch snapshot}'s table (docs/interconnect.md, docs/energy.md). */
final class InterconnectTable {

    private InterconnectTable() {
    }

    static void print(Snapshot s, PrintWriter out) {
        out.println();
        out.println("interconnect (NVLink rates over the reading's GPM interval; docs/interconnect.md)");
        out.printf(Locale.ROOT, "%-3s %-7s %12s %8s %8s %-31s %8s  %s%n", "GPU", "NVLink", "NVLink GB/s", "NVL use",
                "PCIe use", "PCIe link", "replays", "nearest NIC");
        for (GpuAnalysis a : s.analyses()) {
            GpuRecord r = s.gpu(a.index()).orElse(null);
            if (r == null) {
                continue;
            }
            GpuInterconnect ic = r.interconnect();
            String links = ic.nvlinkActive().isEmpty() ? "-" : ic.activeLinks() + "/" + ic.nvlinkActive().size();
            String nic = ic.nearestNic().map(n -> n.device() + ":" + n.port() + " " + n.closeness()
                    + (n.utilization().isPresent() ? " " + pct(n.utilization().getAsDouble()) : "")).orElse("-");
            out.printf(Locale.ROOT, "%-3d %-7s %12s %8s %8s %-31s %8s  %s%n", a.index(), links,
                    Double.isNaN(a.nvlinkBytesPerSecond()) ? "-"
                            : String.format(Locale.ROOT, "%.1f", a.nvlinkBytesPerSecond() / 1e9),
                    pct(a.nvlinkRatio()), pct(a.pcieRatio()),
                    GpuInterconnect.pcieLink(r).name().toLowerCase(Locale.ROOT) + pcie(r),
                    ic.pcieReplays().isPresent() ? Long.toString(ic.pcieReplays().getAsLong()) : "-", nic);
            if (!ic.errorCounts().isEmpty() && ic.errorCounts().values().stream().anyMatch(v -> v > 0)) {
                out.println("    NVLink errors since driver load: " + new java.util.TreeMap<>(ic.errorCounts()));
            }
        }
        for (InfinibandPort p : s.nics().ports()) {
            out.printf(Locale.ROOT, "nic %s:%d %s %s %s%s%n", p.device(), p.port(), p.linkLayer(), p.state().name(),
                    p.rateBitsPerSecond().isPresent() ? (p.rateBitsPerSecond().getAsLong() / 1e9) + " Gb/s" : "",
                    p.pciAddress().map(x -> " at " + x).orElse(""));
        }
        for (WorkloadAnalysis w : s.workloads()) {
            if (!Double.isNaN(w.energy().averageWatts())) {
                out.printf(Locale.ROOT, "workload %s energy: %.0f W, %s J/token, %s GFLOP/s per W%n", w.name(),
                        w.energy().averageWatts(), num(w.energy().joulesPerToken(), "%.3g"),
                        num(w.energy().modelFlopsPerSecondPerWatt() / 1e9, "%.1f"));
            }
        }
    }

    private static String pcie(GpuRecord r) {
        return r.sample().map(x -> {
            var p = x.pcie();
            if (p.linkGenerationCurrent().isEmpty() || p.linkWidthCurrent().isEmpty()) {
                return "";
            }
            return String.format(Locale.ROOT, " (Gen%d x%d%s)", p.linkGenerationCurrent().getAsInt(),
                    p.linkWidthCurrent().getAsInt(), p.linkGenerationMax().isPresent() && p.linkWidthMax().isPresent()
                            ? String.format(Locale.ROOT, " of Gen%d x%d", p.linkGenerationMax().getAsInt(),
                                    p.linkWidthMax().getAsInt()) : "");
        }).orElse("");
    }

    private static String pct(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    private static String num(double v, String format) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }
}
