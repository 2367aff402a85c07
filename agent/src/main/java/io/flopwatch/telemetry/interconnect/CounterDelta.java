package io.flopwatch.telemetry.interconnect;

import java.util.OptionalLong;

/**
 * The increase of a hardware counter between two readings, honest about what cannot be known.
 *
 * <p>What the kernel exposes (drivers/infiniband/core/sysfs.c; "IB/core: Display extended counter
 * set if available", Linux 4.5): when the device's performance-management agent advertises the
 * extended-width capability ({@code IB_PMA_CLASS_CAP_EXT_WIDTH}), {@code port_xmit_data},
 * {@code port_rcv_data}, {@code port_xmit_packets}, {@code port_rcv_packets} and the unicast/multicast
 * packet counters come from PortCountersExtended and are 64 bits wide; every mlx5 device does this.
 * Otherwise they come from the legacy PortCounters attribute, whose data/packet fields are 32 bits
 * and whose error fields are 4 to 16 bits; the InfiniBand Architecture Specification (vol. 1,
 * PortCounters) has those counters <em>stop at their maximum</em> rather than wrap. Some older
 * drivers have been reported to wrap them instead; sysfs does not say which, nor the width.
 *
 * <p>Hence the policy, which errs towards "unknown" rather than a wrong number:
 * <ul>
 *   <li>current ≥ previous (unsigned): the difference;</li>
 *   <li>a value at a 32-bit maximum (2³²−1): {@link Kind#SATURATED}, no delta (a saturated legacy counter
 *       stays there until someone clears it);</li>
 *   <li>current &lt; previous with the previous value in the upper half of the 32-bit range and the current
 *       one in the lower half: assumed to be one 32-bit wrap ({@link Kind#WRAPPED_32});</li>
 *   <li>current &lt; previous with a previous value above 32 bits: a 64-bit counter cannot plausibly wrap
 *       (2⁶⁴ four-octet words = 5.9 × 10²⁰ bits take about 23 years at a sustained 800 Gb/s), so the counter was reset (driver
 *       reload, {@code perfquery -R}): {@link Kind#RESET}, no delta;</li>
 *   <li>any other decrease: {@link Kind#RESET}.</li>
 * </ul>
 *
 * @param kind  how the delta was obtained
 * @param delta the increase; empty for {@link Kind#SATURATED} and {@link Kind#RESET}
 */
public record CounterDelta(Kind kind, OptionalLong delta) {

    /** 2³² − 1, the value at which a 32-bit legacy counter saturates. */
    public static final long MAX_32 = 0xFFFF_FFFFL;

    public enum Kind { INCREASED, WRAPPED_32, SATURATED, RESET }

    /** Both values as the kernel prints them ({@code %llu}: unsigned 64-bit, held in a long's bits). */
    public static CounterDelta between(long previous, long current) {
        if (current == MAX_32) {
            // Stuck at the top (or, rarely, a wrapping counter caught exactly there): either way the
            // increase since the last reading cannot be told.
            return new CounterDelta(Kind.SATURATED, OptionalLong.empty());
        }
        if (Long.compareUnsigned(current, previous) >= 0) {
            return new CounterDelta(Kind.INCREASED, OptionalLong.of(current - previous));
        }
        // A counter leaving saturation was cleared, not wrapped: previous == MAX_32 is excluded.
        if (Long.compareUnsigned(previous, MAX_32) < 0 && previous > (MAX_32 >>> 1) && current <= (MAX_32 >>> 1)) {
            return new CounterDelta(Kind.WRAPPED_32, OptionalLong.of(MAX_32 - previous + 1 + current));
        }
        return new CounterDelta(Kind.RESET, OptionalLong.empty());
    }

    public boolean known() {
        return delta.isPresent();
    }
}
