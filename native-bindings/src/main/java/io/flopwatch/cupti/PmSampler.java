package io.flopwatch.cupti;

/**
 * CUPTI PM sampling of one GPU (the target side, {@code cupti_pmsampling.h}): needs the NVIDIA
 * driver, a Turing or newer GPU and profiling permission. The call order is
 * {@link #enable} → {@link #setConfig} → {@link #start} → {@link #decode}… → {@link #stop} →
 * {@link #disable}; between enable and disable this process owns the GPU's performance
 * counters and no other profiler (Nsight, DCGM) can use them. Not thread-safe: one thread
 * drives a sampler.
 *
 * <p>Every method throws {@link CuptiException}; its {@link CuptiException#condition()} says
 * which of the explained conditions it was.
 */
public interface PmSampler {

    /** The driver's device index this sampler profiles. */
    int deviceIndex();

    /** {@code cuptiDeviceGetChipName}, e.g. "GA102". */
    String chipName();

    /** {@code cuptiPmSamplingGetCounterAvailability}: which counters this device has free now. */
    byte[] counterAvailability();

    /** {@code cuptiPmSamplingEnable}: takes the device's counters. */
    void enable();

    /** {@code cuptiPmSamplingSetConfig} and the counter data image for the settings' metrics. */
    void setConfig(PmSamplingSettings settings);

    /** {@code cuptiPmSamplingStart}. */
    void start();

    /**
     * Decodes what the hardware buffer holds ({@code cuptiPmSamplingDecodeData}), evaluates
     * every completed sample and starts a fresh counter data image.
     */
    PmDecodeResult decode();

    /** {@code cuptiPmSamplingStop}. */
    void stop();

    /** {@code cuptiPmSamplingDisable}: releases the counters. Safe to call when not enabled. */
    void disable();
}
