package io.flopwatch.cupti;

/**
 * Turns a decoded counter data image into metric values
 * ({@code cuptiProfilerHostEvaluateToGpuValues}) for a fixed chip and metric list. Holds a
 * CUPTI host object: close it. Not thread-safe.
 */
public interface MetricEvaluator extends AutoCloseable {

    /**
     * The metrics' values for one sample (a "range" in CUPTI's words) of {@code counterData}, in
     * the order the evaluator was created with, in each metric's own unit (percent for
     * {@code pct_of_peak_*}, bytes/s for {@code .per_second} byte metrics, Hz for cycles/s).
     *
     * @throws CuptiException with CUPTI's message when the image or index is not valid
     */
    double[] evaluate(byte[] counterData, int sampleIndex);

    @Override
    void close();
}
