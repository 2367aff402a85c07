package io.flopwatch.workload;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * PyTorch Lightning's throughput metrics, from {@code Throughput.compute()} in
 * {@code src/lightning/fabric/utilities/throughput.py} (Lightning 2.1+, read at commit 0810121f; the
 * {@code ThroughputMonitor} callback logs the same keys), as printed by a metrics dict, a JSON
 * logger or a progress-bar postfix ({@code key=value}). Keys, with the source's meaning:
 * <ul>
 *   <li>{@code items_per_sec}: items (tokens, when {@code length_fn} counts tokens) per second of
 *       all devices, {@link ThroughputScope#JOB}; only logged when world size &gt; 1.</li>
 *   <li>{@code device/items_per_sec}: the same per device, {@link ThroughputScope#GPU}.</li>
 *   <li>{@code samples_per_sec}, {@code device/samples_per_sec}: samples, times
 *       {@link ParserSettings#sequenceLength()}; used when no items rate is in the line.</li>
 *   <li>{@code device/mfu}: a fraction (not a percentage) of the device's peak.</li>
 *   <li>{@code device/flops_per_sec}: FLOP/s per device, kept as TFLOP/s per GPU.</li>
 *   <li>{@code step}, when the line has it.</li>
 * </ul>
 * A global rate wins over a per-device one (it needs no assumption that devices are equal).
 */
final class LightningParser implements LineParser {
    private final OptionalLong sequenceLength;

    LightningParser(ParserSettings settings) {
        this.sequenceLength = settings.sequenceLength();
    }

    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (!line.contains("_per_sec") && !line.contains("device/mfu")) {
            return List.of();
        }
        Map<String, Double> kv = KeyValues.parse(line);
        ThroughputObservation o = null;
        if (kv.containsKey("items_per_sec")) {
            o = rate(nanoTime, kv.get("items_per_sec"), ThroughputScope.JOB);
        } else if (kv.containsKey("device/items_per_sec")) {
            o = rate(nanoTime, kv.get("device/items_per_sec"), ThroughputScope.GPU);
        } else if (sequenceLength.isPresent() && kv.containsKey("samples_per_sec")) {
            o = rate(nanoTime, kv.get("samples_per_sec") * sequenceLength.getAsLong(), ThroughputScope.JOB);
        } else if (sequenceLength.isPresent() && kv.containsKey("device/samples_per_sec")) {
            o = rate(nanoTime, kv.get("device/samples_per_sec") * sequenceLength.getAsLong(), ThroughputScope.GPU);
        }
        if (o == null) {
            o = Parsers.noTokens(nanoTime, WorkloadPhase.TRAINING, ThroughputScope.GPU);
        }
        Double mfu = kv.get("device/mfu");
        if (mfu != null && mfu >= 0) {
            o = o.withSelfReportedMfu(mfu);
        }
        Double flops = kv.get("device/flops_per_sec");
        if (flops != null && flops >= 0) {
            o = o.withSelfReportedTflopsPerGpu(flops / 1e12);
        }
        Double step = kv.get("step");
        if (step != null) {
            o = o.withStep(step.longValue());
        }
        return Parsers.informative(o) ? List.of(o) : List.of();
    }

    private static ThroughputObservation rate(long nanoTime, double tokensPerSecond, ThroughputScope scope) {
        if (!(tokensPerSecond >= 0)) {
            return null;
        }
        return ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE, tokensPerSecond, scope);
    }
}
