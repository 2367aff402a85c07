package io.flopwatch.cupti;

import java.util.Optional;

/**
 * The CUDA driver and the CUPTI profiler, initialised: the GPUs PM sampling can reach.
 * {@link #close()} deinitializes the profiler; disable every sampler first.
 */
public interface PmTarget extends AutoCloseable {

    /** {@code cuDeviceGetCount}. */
    int deviceCount();

    /** A sampler for the device with this driver index (nothing is enabled yet). */
    PmSampler sampler(int deviceIndex);

    /**
     * {@code cuDeviceGetPCIBusId}: the device's PCI bus id, e.g. "0000:3B:00.0", to match CUDA's
     * device order (fastest first, or as {@code CUDA_VISIBLE_DEVICES} says) to NVML's; empty
     * when it cannot be read.
     */
    default Optional<String> pciBusId(int deviceIndex) {
        return Optional.empty();
    }

    /** The host API of the same library, for config images and evaluation. */
    CuptiHost host();

    @Override
    void close();
}
