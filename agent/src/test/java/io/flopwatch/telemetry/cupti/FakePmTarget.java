package io.flopwatch.telemetry.cupti;

import io.flopwatch.cupti.CuptiHost;
import io.flopwatch.cupti.PmSampler;
import io.flopwatch.cupti.PmTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A hand-written PmTarget: CUDA devices in CUDA's order, each a {@link FakePmSampler} with a PCI
 * bus id; records whether the profiler was deinitialized.
 */
final class FakePmTarget implements PmTarget {
    final List<FakePmSampler> samplers = new ArrayList<>();
    final List<String> busIds = new ArrayList<>();
    final FakeCuptiHost host = new FakeCuptiHost();
    int opened;
    boolean closed;

    FakePmTarget device(String pciBusId, FakePmSampler sampler) {
        busIds.add(pciBusId);
        samplers.add(sampler);
        return this;
    }

    /** The sampler of the CUDA device with this bus id. */
    FakePmSampler at(String pciBusId) {
        return samplers.get(busIds.indexOf(pciBusId));
    }

    @Override
    public int deviceCount() {
        return samplers.size();
    }

    @Override
    public PmSampler sampler(int deviceIndex) {
        return samplers.get(deviceIndex);
    }

    @Override
    public Optional<String> pciBusId(int deviceIndex) {
        return Optional.of(busIds.get(deviceIndex));
    }

    @Override
    public CuptiHost host() {
        return host;
    }

    @Override
    public void close() {
        closed = true;
    }
}
