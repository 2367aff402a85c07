package io.flopwatch.telemetry.cupti;

import io.flopwatch.cupti.PmSamplingSettings.TriggerMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One chip family's PM sampling metrics: role → CUPTI metric name, the trigger mode the family
 * supports, and what it cannot give in one pass ({@code absent}, for docs and doctor).
 */
public record CuptiMetricSet(String family, List<String> chips, TriggerMode trigger,
        Map<CuptiMetricRole, String> metrics, List<String> absent) {

    public CuptiMetricSet {
        chips = List.copyOf(chips);
        metrics = Collections.unmodifiableMap(new EnumMap<>(metrics));
        absent = List.copyOf(absent);
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException(family + ": no metrics");
        }
    }

    /** The roles in their fixed (enum) order: the order of values in every sample. */
    public List<CuptiMetricRole> roles() {
        return List.copyOf(metrics.keySet());
    }

    /** The CUPTI metric names in {@link #roles()} order. */
    public List<String> metricNames() {
        List<String> names = new ArrayList<>();
        for (CuptiMetricRole r : roles()) {
            names.add(metrics.get(r));
        }
        return names;
    }
}
