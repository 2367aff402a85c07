package io.flopwatch.telemetry.interconnect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Traffic of one RDMA port between two readings.
 *
 * @param device                 RDMA device, e.g. mlx5_0
 * @param port                   port number
 * @param intervalSeconds        time between the two readings (their ticker stamps)
 * @param transmitBitsPerSecond  from {@code port_xmit_data}; empty when unknown (saturated, reset, absent)
 * @param receiveBitsPerSecond   from {@code port_rcv_data}
 * @param transmitPacketsPerSecond from {@code port_xmit_packets}
 * @param receivePacketsPerSecond  from {@code port_rcv_packets}
 * @param linkUtilizationRatio   the busier direction's bits/s over the nominal {@code rate}; empty without both
 * @param errorIncreases         error counters that increased in the interval: name → increase
 * @param unknownCounters        counters whose increase could not be told, with why (SATURATED / RESET)
 */
public record PortRates(String device, int port, double intervalSeconds, OptionalDouble transmitBitsPerSecond,
                        OptionalDouble receiveBitsPerSecond, OptionalDouble transmitPacketsPerSecond,
                        OptionalDouble receivePacketsPerSecond, OptionalDouble linkUtilizationRatio,
                        Map<String, Long> errorIncreases, Map<String, CounterDelta.Kind> unknownCounters) {

    /**
     * {@code port_xmit_data} and {@code port_rcv_data} count octets divided by 4 (sysfs-class-infiniband:
     * "Total number of data octets, divided by 4 (lanes)"; IBA vol. 1 PortCounters/PortCountersExtended:
     * PortXmitData is in units of 32-bit words). One unit is therefore 4 bytes = 32 bits.
     */
    public static final int BYTES_PER_DATA_UNIT = 4;

    /**
     * The counters a link problem shows up in (sysfs-class-infiniband, "counters" section). Their
     * legacy widths are 4 to 16 bits; any increase at all is worth reporting.
     */
    public static final List<String> ERROR_COUNTERS = List.of("symbol_error", "link_error_recovery",
            "link_downed", "port_rcv_errors", "port_rcv_remote_physical_errors", "port_rcv_switch_relay_errors",
            "port_xmit_discards", "port_xmit_constraint_errors", "port_rcv_constraint_errors",
            "local_link_integrity_errors", "excessive_buffer_overrun_errors", "VL15_dropped");

    public PortRates {
        errorIncreases = Map.copyOf(errorIncreases);
        unknownCounters = Map.copyOf(unknownCounters);
    }

    /**
     * Rates for each port present in both readings (matched by device and port). A port only in one
     * of them (a NIC that appeared, disappeared or was renamed) yields nothing; so does a pair whose
     * stamps are not increasing.
     */
    public static List<PortRates> between(List<InfinibandPort> previous, List<InfinibandPort> current) {
        Map<String, InfinibandPort> before = new HashMap<>();
        for (InfinibandPort p : previous) {
            before.put(p.device() + "/" + p.port(), p);
        }
        List<PortRates> out = new ArrayList<>();
        for (InfinibandPort c : current) {
            InfinibandPort p = before.get(c.device() + "/" + c.port());
            if (p != null && c.readAtNanos() > p.readAtNanos()) {
                out.add(between(p, c));
            }
        }
        return out;
    }

    /** Rates of one port; both readings must be of the same port, the second later. */
    public static PortRates between(InfinibandPort previous, InfinibandPort current) {
        if (!previous.device().equals(current.device()) || previous.port() != current.port()) {
            throw new IllegalArgumentException("readings of different ports: " + previous.device() + "/"
                    + previous.port() + " and " + current.device() + "/" + current.port());
        }
        double seconds = (current.readAtNanos() - previous.readAtNanos()) / 1e9;
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("the second reading must be later than the first");
        }
        Map<String, CounterDelta.Kind> unknown = new TreeMap<>();
        OptionalDouble tx = perSecond(previous, current, "port_xmit_data", seconds, unknown, 8.0 * BYTES_PER_DATA_UNIT);
        OptionalDouble rx = perSecond(previous, current, "port_rcv_data", seconds, unknown, 8.0 * BYTES_PER_DATA_UNIT);
        OptionalDouble txp = perSecond(previous, current, "port_xmit_packets", seconds, unknown, 1);
        OptionalDouble rxp = perSecond(previous, current, "port_rcv_packets", seconds, unknown, 1);
        Map<String, Long> errors = new TreeMap<>();
        for (String name : ERROR_COUNTERS) {
            OptionalLong d = delta(previous, current, name, unknown);
            if (d.isPresent() && d.getAsLong() > 0) {
                errors.put(name, d.getAsLong());
            }
        }
        OptionalDouble utilization = OptionalDouble.empty();
        OptionalLong rate = current.rateBitsPerSecond();
        if (rate.isPresent() && rate.getAsLong() > 0 && (tx.isPresent() || rx.isPresent())) {
            double busier = Math.max(tx.orElse(0), rx.orElse(0));
            utilization = OptionalDouble.of(busier / rate.getAsLong());
        }
        return new PortRates(current.device(), current.port(), seconds, tx, rx, txp, rxp, utilization, errors,
                unknown);
    }

    private static OptionalDouble perSecond(InfinibandPort a, InfinibandPort b, String name, double seconds,
                                            Map<String, CounterDelta.Kind> unknown, double unitsToResult) {
        OptionalLong d = delta(a, b, name, unknown);
        return d.isPresent() ? OptionalDouble.of(d.getAsLong() * unitsToResult / seconds) : OptionalDouble.empty();
    }

    private static OptionalLong delta(InfinibandPort a, InfinibandPort b, String name,
                                      Map<String, CounterDelta.Kind> unknown) {
        OptionalLong x = a.counter(name);
        OptionalLong y = b.counter(name);
        if (x.isEmpty() || y.isEmpty()) {
            return OptionalLong.empty();
        }
        CounterDelta d = CounterDelta.between(x.getAsLong(), y.getAsLong());
        if (!d.known()) {
            unknown.put(name, d.kind());
        }
        return d.delta();
    }
}
