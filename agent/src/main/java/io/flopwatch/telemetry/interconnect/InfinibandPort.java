package io.flopwatch.telemetry.interconnect;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One port of an RDMA device (InfiniBand HCA or RoCE NIC) as read from
 * {@code /sys/class/infiniband/<device>/ports/<port>/} at one instant. Layout and units follow the
 * kernel's Documentation/ABI/stable/sysfs-class-infiniband.
 *
 * @param device       RDMA device name, e.g. {@code mlx5_0}
 * @param port         port number (1-based, as in sysfs)
 * @param linkLayer    {@code InfiniBand} or {@code Ethernet} (RoCE) from {@code link_layer}; empty if unreadable
 * @param state        logical state from {@code state}, e.g. {@code 4: ACTIVE} → (4, "ACTIVE")
 * @param physState    physical state from {@code phys_state}, e.g. {@code 5: LinkUp}
 * @param rateBitsPerSecond nominal link rate from {@code rate} ("400 Gb/sec (4X NDR)" → 400e9), per direction
 * @param counters     {@code counters/*}: name → raw value as printed (unsigned; see {@link CounterDelta})
 * @param hwCounters   {@code hw_counters/*}: driver-specific counters (mlx5: out_of_buffer, np_cnp_sent, …)
 * @param pciAddress   PCI function of the device ({@code /sys/class/infiniband/<dev>/device} symlink target's
 *                     last element, e.g. {@code 0000:18:00.0}); empty for software devices (rxe, siw)
 * @param numaNode     {@code device/numa_node}; empty when the file is absent or says -1 (no affinity known)
 * @param readAtNanos  {@link io.flopwatch.telemetry.Ticker#nanoTime()} when the counters were read
 */
public record InfinibandPort(String device, int port, String linkLayer, PortState state, PortState physState,
                             OptionalLong rateBitsPerSecond, Map<String, Long> counters,
                             Map<String, Long> hwCounters, Optional<String> pciAddress, OptionalInt numaNode,
                             long readAtNanos) {

    public InfinibandPort {
        Objects.requireNonNull(device, "device");
        counters = Map.copyOf(counters);
        hwCounters = Map.copyOf(hwCounters);
    }

    /** RoCE ports report the Ethernet link layer; InfiniBand ports report "InfiniBand". */
    public boolean isRoce() {
        return "Ethernet".equalsIgnoreCase(linkLayer);
    }

    /** Logical state 4 is ACTIVE in the IB spec's PortInfo PortState encoding (and the kernel's ib_port_state). */
    public boolean isActive() {
        return state.code() == 4;
    }

    /** A raw counter, empty when this port does not expose it. */
    public OptionalLong counter(String name) {
        Long v = counters.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** "{@code 4: ACTIVE}" split into its code and name; code -1 and the raw text when unparseable. */
    public record PortState(int code, String name) {
        public static final PortState UNKNOWN = new PortState(-1, "");

        public static PortState parse(String text) {
            if (text == null) {
                return UNKNOWN;
            }
            String t = text.strip();
            int colon = t.indexOf(':');
            if (colon > 0) {
                try {
                    return new PortState(Integer.parseInt(t.substring(0, colon).strip()),
                            t.substring(colon + 1).strip());
                } catch (NumberFormatException e) {
                    return new PortState(-1, t);
                }
            }
            return new PortState(-1, t);
        }
    }
}
