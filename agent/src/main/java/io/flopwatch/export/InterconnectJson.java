package io.flopwatch.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    static void gpu(ObjectNode g, GpuRecord r, GpuAnalysis a) {
        num(g, "nvlink_utilization_ratio", a.nvlinkRatio());
        num(g, "pcie_utilization_ratio", a.pcieRatio());
        GpuInterconnect ic = r.interconnect();
        if (!ic.nvlinkActive().isEmpty()) {
            g.put("nvlink_links_active", ic.activeLinks());
            g.put("nvlink_links", ic.nvlinkActive().size());
        }
        if (!ic.errorCounts().isEmpty()) {
            ObjectNode e = g.putObject("nvlink_errors");
            new TreeMap<>(ic.errorCounts()).forEach(e::put);
        }
        ic.pcieReplays().ifPresent(v -> g.put("pcie_replays", v));
        g.put("pcie_link", GpuInterconnect.pcieLink(r).name().toLowerCase(Locale.ROOT));
        ic.nearestNic().ifPresent(n -> {
            ObjectNode o = g.putObject("nic");
            o.put("device", n.device());
            o.put("port", n.port());
            o.put("closeness", n.closeness().name());
            num(o, "utilization_ratio", n.utilization());
        });
        r.sample().ifPresent(x -> {
            x.power().totalEnergyJoules().ifPresent(j -> g.put("energy_total_joules", j));
            x.power().enforcedLimitWatts().ifPresent(w -> g.put("power_limit_watts", w));
        });
    }

    /** Per-workload energy fields. */
    static void workload(ObjectNode o, WorkloadAnalysis w) {
        num(o, "power_watts", w.energy().averageWatts());
        num(o, "joules_per_token", w.energy().joulesPerToken());
        num(o, "model_flops_per_watt", w.energy().modelFlopsPerSecondPerWatt());
    }

    /** The node's RDMA ports; nothing when there are none. */
    static void nics(ObjectNode root, Snapshot s) {
        if (s.nics().ports().isEmpty()) {
            return;
        }
        ArrayNode a = root.putArray("nics");
        for (InfinibandPort p : s.nics().ports()) {
            ObjectNode o = a.addObject();
            o.put("nic", p.device());
            o.put("port", p.port());
            o.put("link_layer", p.linkLayer());
            o.put("state", p.state().name());
            p.pciAddress().ifPresent(x -> o.put("pci_address", x));
            p.rateBitsPerSecond().ifPresent(x -> o.put("rate_bits_per_second", x));
            s.nics().rates(p.device(), p.port()).ifPresent(r -> {
                num(o, "transmit_bits_per_second", r.transmitBitsPerSecond());
                num(o, "receive_bits_per_second", r.receiveBitsPerSecond());
                num(o, "utilization_ratio", r.linkUtilizationRatio());
                if (!r.errorIncreases().isEmpty()) {
                    ObjectNode e = o.putObject("error_increases");
                    new TreeMap<>(r.errorIncreases()).forEach(e::put);
                }
            });
        }
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

    private static void num(ObjectNode o, String field, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    private static void num(ObjectNode o, String field, OptionalDouble v) {
        num(o, field, v.isPresent() ? v.getAsDouble() : Double.NaN);
    }

}
