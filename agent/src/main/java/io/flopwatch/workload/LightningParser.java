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

    private static final byte[][] KEYS = {
        Scan.ascii("items_per_sec"), Scan.ascii("device/items_per_sec"), Scan.ascii("samples_per_sec"),
        Scan.ascii("device/samples_per_sec"), Scan.ascii("device/mfu"), Scan.ascii("device/flops_per_sec"),
        Scan.ascii("step"),
    };
    private final double[] values = new double[KEYS.length];

    /**
     * On plain lines ({@link Scan}) the metrics' keys are read from bytes, only the seven used;
     * other lines go through {@link KeyValues#parse}. {@code ScannerEquivalenceTest} holds the two
     * paths to each other.
     */
    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (!line.contains("_per_sec") && !line.contains("device/mfu")) {
            return List.of();
        }
        byte[] b = Scan.plainBytes(line);
        if (b == null) {
            return parseWithMap(line, nanoTime);
        }
        KeyValues.scan(b, b.length, KEYS, values);
        return observation(values, nanoTime);
    }

    /** The general path through {@link KeyValues#parse}: the reference, and the path for other lines. */
    List<ThroughputObservation> parseWithMap(String line, long nanoTime) {
        if (!line.contains("_per_sec") && !line.contains("device/mfu")) {
            return List.of();
        }
        Map<String, Double> kv = KeyValues.parse(line);
        double[] v = new double[KEYS.length];
        for (int k = 0; k < KEYS.length; k++) {
            v[k] = kv.getOrDefault(new String(KEYS[k], java.nio.charset.StandardCharsets.US_ASCII), Double.NaN);
        }
        return observation(v, nanoTime);
    }

    /** The reading from the values of {@link #KEYS}, in that order (NaN: absent; KeyValues maps finite numbers only). */
    private List<ThroughputObservation> observation(double[] v, long nanoTime) {
        double itemsPerSec = v[0];
        double deviceItemsPerSec = v[1];
        double samplesPerSec = v[2];
        double deviceSamplesPerSec = v[3];
        double mfu = v[4];
        double flops = v[5];
        double step = v[6];
        ThroughputObservation o = null;
        if (!Double.isNaN(itemsPerSec)) {
            o = rate(nanoTime, itemsPerSec, ThroughputScope.JOB);
        } else if (!Double.isNaN(deviceItemsPerSec)) {
            o = rate(nanoTime, deviceItemsPerSec, ThroughputScope.GPU);
        } else if (sequenceLength.isPresent() && !Double.isNaN(samplesPerSec)) {
            o = rate(nanoTime, samplesPerSec * sequenceLength.getAsLong(), ThroughputScope.JOB);
        } else if (sequenceLength.isPresent() && !Double.isNaN(deviceSamplesPerSec)) {
            o = rate(nanoTime, deviceSamplesPerSec * sequenceLength.getAsLong(), ThroughputScope.GPU);
        }
        if (o == null) {
            o = Parsers.noTokens(nanoTime, WorkloadPhase.TRAINING, ThroughputScope.GPU);
        }
        if (mfu >= 0) {
            o = o.withSelfReportedMfu(mfu);
        }
        if (flops >= 0) {
            o = o.withSelfReportedTflopsPerGpu(flops / 1e12);
        }
        if (!Double.isNaN(step)) {
            o = o.withStep((long) step);
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
