package io.flopwatch.telemetry.cupti;

import io.flopwatch.cupti.ConfigImage;
import io.flopwatch.cupti.CuptiHost;
import io.flopwatch.cupti.MetricEvaluator;
import io.flopwatch.cupti.MetricProperties;
import io.flopwatch.cupti.MetricType;
import java.util.List;
import java.util.Optional;

/** A host API that accepts any metric set with a fixed pass count. */
final class FakeCuptiHost implements CuptiHost {
    int passes = 1;
    Optional<byte[]> lastAvailability = Optional.empty();

    @Override
    public int apiVersion() {
        return 130001;
    }

    @Override
    public List<String> supportedChips() {
        return List.of("GA102", "GH100");
    }

    @Override
    public List<String> baseMetrics(String chip, MetricType type) {
        return List.of();
    }

    @Override
    public MetricProperties metricProperties(String chip, String metric) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ConfigImage configImage(String chip, List<String> metrics, Optional<byte[]> counterAvailability) {
        lastAvailability = counterAvailability;
        return new ConfigImage(chip, metrics, new byte[] {42}, passes);
    }

    @Override
    public MetricEvaluator evaluator(String chip, List<String> metrics, Optional<byte[]> counterAvailability) {
        throw new UnsupportedOperationException();
    }
}
