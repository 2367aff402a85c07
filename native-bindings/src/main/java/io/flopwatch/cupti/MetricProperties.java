package io.flopwatch.cupti;

/** What the host API says about one metric: {@code cuptiProfilerHostGetMetricProperties}. */
public record MetricProperties(String name, String description, String hardwareUnit, String dimensionUnit,
        MetricType type) {
}
