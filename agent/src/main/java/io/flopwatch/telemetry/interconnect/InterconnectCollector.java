package io.flopwatch.telemetry.interconnect;

import io.flopwatch.nvml.FieldValue;
import io.flopwatch.nvml.NvmlReturn;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.telemetry.Collector;
import io.flopwatch.telemetry.GpuRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code interconnect} collector: per GPU, the NVLink link states, the NVLink data counters
 * per link and the NVLink error totals (one {@code nvmlDeviceGetFieldValues} call, requests from
 * {@link NvlinkFields#requests}), and the PCIe replay counter. PCIe throughput and link
 * generation/width come from the {@code device} collector; GPM's NVLink rates from {@code gpm}.
 *
 * <p>Unlike the other collectors it keeps the previous field-value reading of each GPU, because
 * NVML's NVLink data counters are cumulative and a rate needs two readings (GPM keeps its previous
 * sample inside the session for the same reason). The previous reading is tied to the session it
 * came from: after NVML is reopened (driver reload) a GPU's first reading is a new baseline, since
 * its index may now name another GPU. Each GPU's entry is touched only by its own worker thread.
 */
public final class InterconnectCollector implements Collector {

    /** The last reading of a GPU, with the link states and requests it was made for. */
    private record Previous(NvmlSession session, List<Boolean> links, List<FieldValue.Request> requests,
                            List<FieldValue> values) {
    }

    private final Map<Integer, Previous> previous = new ConcurrentHashMap<>();

    @Override
    public void collect(NvmlSession nvml, int index, GpuRecord.Builder into) {
        List<Boolean> links = nvml.nvlinkActive(index);
        Previous last = previous.get(index);
        // The same links as last cycle (nearly always): the same requests, not built again.
        List<FieldValue.Request> requests = last != null && last.links().equals(links) ? last.requests()
                : List.copyOf(NvlinkFields.requests(links));
        List<FieldValue> values = nvml.fieldValues(index, requests);
        Previous before = previous.put(index, new Previous(nvml, links, requests, values));
        List<NvlinkFields.LinkRates> rates = before != null && before.session() == nvml
                ? NvlinkFields.between(before.values(), values).links() : List.of();
        Map<String, Long> errors = new HashMap<>();
        OptionalLong replayField = OptionalLong.empty();
        for (FieldValue v : values) {
            String name = NvlinkFields.ERROR_FIELDS.get(v.fieldId());
            if (name == null || v.result() != NvmlReturn.SUCCESS || v.longValue().isEmpty()) {
                continue;
            }
            if (v.fieldId() == NvlinkFields.PCIE_REPLAY_COUNTER) {
                replayField = v.longValue();
            } else if (!links.isEmpty()) {
                errors.put(name, v.longValue().getAsLong());
            }
        }
        OptionalLong replays = nvml.pcieReplayCounter(index);
        into.interconnect(new GpuInterconnect(links, rates, errors, replays.isPresent() ? replays : replayField,
                Optional.empty()));
    }
}
