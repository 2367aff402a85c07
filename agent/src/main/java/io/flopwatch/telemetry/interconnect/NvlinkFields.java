package io.flopwatch.telemetry.interconnect;

import io.flopwatch.nvml.FieldValue;
import io.flopwatch.nvml.NvmlReturn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * NVLink traffic and link-error counters, and the PCIe replay counter, through
 * {@code nvmlDeviceGetFieldValues}: which fields to request and how to turn two readings into
 * rates. Field ids and units are nvml.h's:
 * <ul>
 *   <li>138/139 {@code NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX/RX}: cumulative KiB of data (no
 *       protocol overhead) per link, the link id in {@code scopeId} ("A scopeId of UINT_MAX returns
 *       aggregate value summed up across all links");</li>
 *   <li>38 / 45 / 52 / 59 {@code NVML_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL},
 *       {@code …CRC_DATA_ERROR_COUNT_TOTAL}, {@code …REPLAY_ERROR_COUNT_TOTAL},
 *       {@code …RECOVERY_ERROR_COUNT_TOTAL}: device totals over all links;</li>
 *   <li>94 {@code NVML_FI_DEV_PCIE_REPLAY_COUNTER}: PCIe replays (a rising count means a marginal
 *       PCIe link retransmitting).</li>
 * </ul>
 * Rates use NVML's own per-value timestamps ({@code nvmlFieldValue_t.timestamp}, µs), so the
 * interval is the one over which NVML's counters moved, not the sampler's. A field NVML does not
 * offer (per-field return code other than SUCCESS) is absent, as is any counter that went down
 * (driver reload or GPU reset; these are 64-bit counters, which do not wrap in practice).
 */
public final class NvlinkFields {

    public static final int NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL = 38;
    public static final int NVLINK_CRC_DATA_ERROR_COUNT_TOTAL = 45;
    public static final int NVLINK_REPLAY_ERROR_COUNT_TOTAL = 52;
    public static final int NVLINK_RECOVERY_ERROR_COUNT_TOTAL = 59;
    public static final int PCIE_REPLAY_COUNTER = 94;

    /** The error counters and the name flopwatch reports each under. */
    public static final Map<Integer, String> ERROR_FIELDS = Map.of(
            NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL, "nvlink_crc_flit_errors",
            NVLINK_CRC_DATA_ERROR_COUNT_TOTAL, "nvlink_crc_data_errors",
            NVLINK_REPLAY_ERROR_COUNT_TOTAL, "nvlink_replay_errors",
            NVLINK_RECOVERY_ERROR_COUNT_TOTAL, "nvlink_recovery_errors",
            PCIE_REPLAY_COUNTER, "pcie_replays");

    private NvlinkFields() {
    }

    /**
     * The requests for a device with these NVLinks: throughput per link (from
     * {@code NvmlSession.nvlinkActive}: one entry per link; inactive links are skipped) and the
     * device-wide error counters. The result fits one {@code nvmlDeviceGetFieldValues} call.
     */
    public static List<FieldValue.Request> requests(List<Boolean> linkActive) {
        List<FieldValue.Request> out = new ArrayList<>();
        for (int link = 0; link < linkActive.size(); link++) {
            if (Boolean.TRUE.equals(linkActive.get(link))) {
                out.add(new FieldValue.Request(FieldValue.NVLINK_THROUGHPUT_DATA_TX, link));
                out.add(new FieldValue.Request(FieldValue.NVLINK_THROUGHPUT_DATA_RX, link));
            }
        }
        for (int field : new int[] {NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL, NVLINK_CRC_DATA_ERROR_COUNT_TOTAL,
                NVLINK_REPLAY_ERROR_COUNT_TOTAL, NVLINK_RECOVERY_ERROR_COUNT_TOTAL, PCIE_REPLAY_COUNTER}) {
            out.add(new FieldValue.Request(field, 0));
        }
        return out;
    }

    /** One link's data rates per direction, bytes per second; empty where not measurable. */
    public record LinkRates(int link, OptionalDouble transmitBytesPerSecond, OptionalDouble receiveBytesPerSecond) {
    }

    /**
     * @param links          per active link, in link order
     * @param errorIncreases error counter name → increase over the interval (only counters known in both readings)
     */
    public record Traffic(List<LinkRates> links, Map<String, Long> errorIncreases) {
        public Traffic {
            links = List.copyOf(links);
            errorIncreases = Map.copyOf(errorIncreases);
        }

        /** Summed over links; empty when no link has a value for that direction. */
        public OptionalDouble totalTransmitBytesPerSecond() {
            return sum(true);
        }

        public OptionalDouble totalReceiveBytesPerSecond() {
            return sum(false);
        }

        private OptionalDouble sum(boolean transmit) {
            double total = 0;
            boolean any = false;
            for (LinkRates l : links) {
                OptionalDouble v = transmit ? l.transmitBytesPerSecond() : l.receiveBytesPerSecond();
                if (v.isPresent()) {
                    total += v.getAsDouble();
                    any = true;
                }
            }
            return any ? OptionalDouble.of(total) : OptionalDouble.empty();
        }
    }

    /** Rates between two readings of the same requests. */
    public static Traffic between(List<FieldValue> previous, List<FieldValue> current) {
        // Each cycle asks for the same fields in the same order unless a link changed state: then
        // the readings pair up by position, and only otherwise by field and scope.
        Map<Long, FieldValue> before = sameRequests(previous, current) ? null : new HashMap<>();
        if (before != null) {
            for (FieldValue v : previous) {
                before.put(key(v), v);
            }
        }
        Map<Integer, OptionalDouble[]> perLink = new TreeMap<>();
        Map<String, Long> errors = new TreeMap<>();
        for (int i = 0; i < current.size(); i++) {
            FieldValue c = current.get(i);
            FieldValue p = before == null ? previous.get(i) : before.get(key(c));
            boolean tx = c.fieldId() == FieldValue.NVLINK_THROUGHPUT_DATA_TX;
            boolean rx = c.fieldId() == FieldValue.NVLINK_THROUGHPUT_DATA_RX;
            if (tx || rx) {
                OptionalDouble[] pair = perLink.computeIfAbsent(c.scopeId(),
                        k -> new OptionalDouble[] {OptionalDouble.empty(), OptionalDouble.empty()});
                pair[tx ? 0 : 1] = kibRate(p, c);
            } else if (ERROR_FIELDS.containsKey(c.fieldId())) {
                OptionalLong d = delta(p, c);
                if (d.isPresent()) {
                    errors.put(ERROR_FIELDS.get(c.fieldId()), d.getAsLong());
                }
            }
        }
        List<LinkRates> links = new ArrayList<>();
        perLink.forEach((link, pair) -> links.add(new LinkRates(link, pair[0], pair[1])));
        return new Traffic(links, errors);
    }

    private static boolean sameRequests(List<FieldValue> previous, List<FieldValue> current) {
        if (previous.size() != current.size()) {
            return false;
        }
        for (int i = 0; i < current.size(); i++) {
            if (key(previous.get(i)) != key(current.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static long key(FieldValue v) {
        return ((long) v.fieldId() << 32) | (v.scopeId() & 0xFFFF_FFFFL);
    }

    private static OptionalLong delta(FieldValue p, FieldValue c) {
        if (p == null || p.result() != NvmlReturn.SUCCESS || c.result() != NvmlReturn.SUCCESS
                || p.longValue().isEmpty() || c.longValue().isEmpty()) {
            return OptionalLong.empty();
        }
        long a = p.longValue().getAsLong();
        long b = c.longValue().getAsLong();
        return Long.compareUnsigned(b, a) >= 0 ? OptionalLong.of(b - a) : OptionalLong.empty();
    }

    private static OptionalDouble kibRate(FieldValue p, FieldValue c) {
        OptionalLong d = delta(p, c);
        if (d.isEmpty() || c.timestampMicros() <= p.timestampMicros()) {
            return OptionalDouble.empty();
        }
        // nvml.h: "NVLink TX Data throughput in KiB": 1 KiB = 1024 bytes.
        return OptionalDouble.of(d.getAsLong() * 1024.0 / ((c.timestampMicros() - p.timestampMicros()) / 1e6));
    }
}
