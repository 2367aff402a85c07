package io.flopwatch.telemetry.interconnect;

import java.util.List;
import java.util.Optional;

/**
 * The node's RDMA ports in one cycle: what sysfs said and the rates since the previous cycle.
 * Immutable; part of the {@link io.flopwatch.telemetry.Snapshot}.
 *
 * @param ports  every port of every InfiniBand / RoCE device; empty on a node without RDMA devices
 * @param rates  per port present in this and the previous reading; empty on the first cycle
 * @param error  why reading failed ("" when it did not); a node without NICs is not an error
 */
public record NodeNics(List<InfinibandPort> ports, List<PortRates> rates, String error) {

    /** The {@code infiniband} collector is off, or nothing has been read yet. */
    public static final NodeNics NONE = new NodeNics(List.of(), List.of(), "");

    public NodeNics {
        ports = List.copyOf(ports);
        rates = List.copyOf(rates);
    }

    public Optional<PortRates> rates(String device, int port) {
        return rates.stream().filter(r -> r.device().equals(device) && r.port() == port).findFirst();
    }
}
