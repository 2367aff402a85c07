package io.flopwatch.export;

import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.interconnect.GpuInterconnect;
import io.flopwatch.telemetry.interconnect.InfinibandPort;
import io.flopwatch.telemetry.interconnect.PcieLinkCheck;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * The interconnect and energy fields of the log lines and of {@code flopwatch snapshot --json}
 * (docs/interconnect.md, docs/energy.md): field names carry their units, a value not measured is
 * null (JSON) or "-" (human form). Pure.
 */
public final class InterconnectJson {

    private InterconnectJson() {
    }

    /** Per-GPU fields: NVLink, PCIe link and replays, nearest NIC, energy counter. */
    static void gpu(JsonLine g, GpuRecord r, GpuAnalysis a) {
        g.finiteOrNull("nvlink_utilization_ratio", a.nvlinkRatio());
        g.finiteOrNull("pcie_utilization_ratio", a.pcieRatio());
        GpuInterconnect ic = r.interconnect();
        if (!ic.nvlinkActive().isEmpty()) {
            g.field("nvlink_links_active", ic.activeLinks());
            g.field("nvlink_links", ic.nvlinkActive().size());
        }
        if (!ic.errorCounts().isEmpty()) {
            counters(g, "nvlink_errors", ic.errorCounts());
        }
        ic.pcieReplays().ifPresent(v -> g.field("pcie_replays", v));
        g.field("pcie_link", GpuInterconnect.pcieLink(r).name().toLowerCase(Locale.ROOT));
        ic.nearestNic().ifPresent(n -> {
            g.beginObject("nic");
            g.field("device", n.device());
            g.field("port", n.port());
            g.field("closeness", n.closeness().name());
            num(g, "utilization_ratio", n.utilization());
            g.endObject();
        });
        r.sample().ifPresent(x -> {
            x.power().totalEnergyJoules().ifPresent(j -> g.field("energy_total_joules", j));
            x.power().enforcedLimitWatts().ifPresent(w -> g.field("power_limit_watts", w));
        });
    }

    /** Per-workload energy fields. */
    static void workload(JsonLine o, WorkloadAnalysis w) {
        o.finiteOrNull("power_watts", w.energy().averageWatts());
        o.finiteOrNull("joules_per_token", w.energy().joulesPerToken());
        o.finiteOrNull("model_flops_per_watt", w.energy().modelFlopsPerSecondPerWatt());
    }

    /** The node's RDMA ports; nothing when there are none. */
    static void nics(JsonLine root, Snapshot s) {
        if (s.nics().ports().isEmpty()) {
            return;
        }
        root.beginArray("nics");
        for (InfinibandPort p : s.nics().ports()) {
            root.beginObject();
            root.field("nic", p.device());
            root.field("port", p.port());
            root.field("link_layer", p.linkLayer());
            root.field("state", p.state().name());
            p.pciAddress().ifPresent(x -> root.field("pci_address", x));
            p.rateBitsPerSecond().ifPresent(x -> root.field("rate_bits_per_second", x));
            s.nics().rates(p.device(), p.port()).ifPresent(r -> {
                num(root, "transmit_bits_per_second", r.transmitBitsPerSecond());
                num(root, "receive_bits_per_second", r.receiveBitsPerSecond());
                num(root, "utilization_ratio", r.linkUtilizationRatio());
                if (!r.errorIncreases().isEmpty()) {
                    counters(root, "error_increases", r.errorIncreases());
                }
            });
            root.endObject();
        }
        root.endArray();
    }

    /** Counter name → count, in name order (the maps are unordered; the line must not vary). */
    private static void counters(JsonLine out, String name, Map<String, Long> counts) {
        out.beginObject(name);
        for (Map.Entry<String, Long> e : new TreeMap<>(counts).entrySet()) {
            Long v = e.getValue();
            if (v == null) {
                out.nullField(e.getKey());
            } else {
                out.field(e.getKey(), v.longValue());
            }
        }
        out.endObject();
    }

    /** Compact GPU suffix for the human line: " nvl89% pcie:degraded nic70%" (only what is known or wrong). */
    static String human(GpuRecord r, GpuAnalysis a) {
        StringBuilder sb = new StringBuilder();
        if (!Double.isNaN(a.nvlinkRatio())) {
            sb.append(" nvl").append(LogLines.pct(a.nvlinkRatio()));
        }
        PcieLinkCheck.Verdict v = GpuInterconnect.pcieLink(r);
        if (v.degraded()) {
            sb.append(" pcie:").append(v.name().toLowerCase(Locale.ROOT));
        }
        r.interconnect().nearestNic().flatMap(n -> n.utilization().isPresent()
                ? java.util.Optional.of(n.utilization().getAsDouble()) : java.util.Optional.empty())
                .ifPresent(u -> sb.append(" nic").append(LogLines.pct(u)));
        return sb.toString();
    }

    /** Compact workload suffix for the human line: " 0.56J/tok" when known. */
    static String human(WorkloadAnalysis w) {
        double j = w.energy().joulesPerToken();
        return Double.isNaN(j) ? "" : String.format(Locale.ROOT, " %.3gJ/tok", j);
    }

    private static void num(JsonLine o, String field, OptionalDouble v) {
        o.finiteOrNull(field, v.isPresent() ? v.getAsDouble() : Double.NaN);
    }

}
