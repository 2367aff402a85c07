package io.flopwatch.cupti;

/**
 * The CUDA driver and the CUPTI profiler, initialised: the GPUs PM sampling can reach.
 * {@link #close()} deinitializes the profiler; disable every sampler first.
 */
public interface PmTarget extends AutoCloseable {

    /** {@code cuDeviceGetCount}. */
    int deviceCount();

    /** A sampler for the device with this driver index (nothing is enabled yet). */
    PmSampler sampler(int deviceIndex);

    /** The host API of the same library, for config images and evaluation. */
    CuptiHost host();

    @Override
    void close();
}
