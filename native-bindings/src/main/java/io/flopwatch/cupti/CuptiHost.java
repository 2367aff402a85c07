package io.flopwatch.cupti;

import java.util.List;
import java.util.Optional;

/**
 * CUPTI's profiler host API: runs on the CPU alone (no GPU, no driver), so metric sets can be
 * validated anywhere. Implementations are thread-safe; each call creates and releases its own
 * CUPTI host object.
 */
public interface CuptiHost {

    /** {@code cuptiGetVersion}: the CUPTI API version, e.g. 130001 for CUDA 13.0 Update 1. */
    int apiVersion();

    /** The chips this CUPTI knows, as {@code cuptiDeviceGetChipName} spells them ("GH100"). */
    List<String> supportedChips();

    /**
     * The base metrics of one type for PM sampling on {@code chip}.
     *
     * @throws CuptiException NOT_AVAILABLE when PM sampling does not support the chip (e.g. GV100)
     */
    List<String> baseMetrics(String chip, MetricType type);

    /** The host API's description of a metric (with or without its rollup/submetric suffix). */
    MetricProperties metricProperties(String chip, String metric);

    /**
     * Builds the PM sampling configuration image for {@code metrics} on {@code chip}.
     * {@code counterAvailability} is the device's image from the target side, or empty on a
     * machine without a GPU (then every counter of the chip is assumed available).
     *
     * @throws CuptiException when a metric is not valid for PM sampling on the chip; the message
     *         names the rejected metrics
     */
    ConfigImage configImage(String chip, List<String> metrics, Optional<byte[]> counterAvailability);

    /** An evaluator for counter data of {@code metrics} on {@code chip}: close it. */
    MetricEvaluator evaluator(String chip, List<String> metrics, Optional<byte[]> counterAvailability);
}
