package io.flopwatch.workload;

import io.flopwatch.telemetry.Ticker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Prompt (prefill) and generation (decode) token counts from an inference server's Prometheus
 * endpoint (vLLM, SGLang, TGI or custom counter names, see {@link TokenCounters}).
 *
 * <p>Each poll makes one fetch. For each phase, every series of its counter whose labels include
 * {@code labelMatch} (e.g. {@code model_name}) is followed separately: its increase since the
 * last poll is added to a running total for the phase, emitted as a
 * {@link TokenReading#CUMULATIVE} observation in {@link ThroughputScope#JOB} scope (the server
 * instance, whatever GPUs it spans). Summing increases rather than values keeps one engine's
 * restart from hiding the others' progress. Counter resets follow Prometheus' {@code rate()}: a
 * series whose value drops restarted from zero, so its new value is its increase; this is
 * counted in {@link #counterResets()} and never produces a negative or huge step. A series seen
 * for the first time only sets its baseline. NaN and infinite values are skipped.
 *
 * <p>A failed fetch, a malformed page or a page without the counters yields no observation (the
 * rate goes stale, which {@link TokenRate} reports as absent) and is counted.
 */
public final class InferenceMetricsSource implements ThroughputSource {
    private final String name;
    private final MetricsFetcher fetcher;
    private final TokenCounters counters;
    private final Map<String, String> labelMatch;
    private final Ticker ticker;
    private final Map<String, Double> lastBySeries = new HashMap<>();
    private final Map<WorkloadPhase, Double> totals = new HashMap<>();
    private long counterResets;
    private long fetchErrors;
    private long malformedLines;
    private long pagesWithoutCounters;
    private final LengthHistogram promptLengths;
    private final LengthHistogram generationLengths;

    public InferenceMetricsSource(String name, MetricsFetcher fetcher, TokenCounters counters,
                                  Map<String, String> labelMatch, Ticker ticker) {
        this(name, fetcher, counters, RequestLengths.NONE, labelMatch, TokenRate.DEFAULT_WINDOW, ticker);
    }

    /**
     * @param lengths the server's request-length histograms, whose means over {@code window}
     *                {@link #meanPromptTokens} and {@link #meanGenerationTokens} report
     */
    public InferenceMetricsSource(String name, MetricsFetcher fetcher, TokenCounters counters, RequestLengths lengths,
                                  Map<String, String> labelMatch, java.time.Duration window, Ticker ticker) {
        this.name = Objects.requireNonNull(name, "name");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.labelMatch = Map.copyOf(labelMatch);
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.promptLengths = new LengthHistogram(lengths.promptHistogram(), window.toNanos());
        this.generationLengths = new LengthHistogram(lengths.generationHistogram(), window.toNanos());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ThroughputObservation> poll() {
        String text;
        try {
            text = fetcher.fetch();
        } catch (IOException | RuntimeException e) {
            fetchErrors++;
            return List.of();
        }
        long now = ticker.nanoTime();
        PrometheusText.Parsed parsed = PrometheusText.parse(text);
        malformedLines += parsed.malformedLines();
        List<ThroughputObservation> out = new ArrayList<>(2);
        phase(parsed.samples(), counters.promptTokens(), WorkloadPhase.PREFILL, now).ifPresent(out::add);
        phase(parsed.samples(), counters.generationTokens(), WorkloadPhase.DECODE, now).ifPresent(out::add);
        if (out.isEmpty()) {
            pagesWithoutCounters++;
        }
        promptLengths.observe(parsed.samples(), now);
        generationLengths.observe(parsed.samples(), now);
        return out;
    }

    /**
     * Mean prompt length of the requests the server finished within the window (Δsum ÷ Δcount
     * of its prompt-length histogram); the last such mean when none finished in the window;
     * empty when the server has no such histogram or none has been seen to move yet.
     */
    public java.util.OptionalDouble meanPromptTokens(long nowNanos) {
        return promptLengths.mean(nowNanos);
    }

    /** Mean output length of the requests finished within the window; as {@link #meanPromptTokens}. */
    public java.util.OptionalDouble meanGenerationTokens(long nowNanos) {
        return generationLengths.mean(nowNanos);
    }

    /**
     * One length histogram's {@code _sum} and {@code _count}, followed like the token counters
     * (per series, increases summed, a drop is a restart from zero), kept as (time, Σsum,
     * Σcount) points over the window.
     */
    private final class LengthHistogram {
        private final Optional<String> base;
        private final long windowNanos;
        private final Map<String, Double> lastBySeries = new HashMap<>();
        private double sum;
        private double count;
        /** (nanoTime, sum, count), oldest first; one point at or before the window's start is kept. */
        private final java.util.ArrayDeque<double[]> points = new java.util.ArrayDeque<>();
        private double lastMean = Double.NaN;

        LengthHistogram(Optional<String> base, long windowNanos) {
            this.base = base;
            this.windowNanos = windowNanos;
        }

        void observe(List<PrometheusText.Sample> samples, long now) {
            if (base.isEmpty()) {
                return;
            }
            String sumName = base.get() + "_sum";
            String countName = base.get() + "_count";
            boolean found = false;
            for (PrometheusText.Sample s : samples) {
                boolean isSum = s.name().equals(sumName);
                if (!isSum && !s.name().equals(countName) || !s.labels().entrySet().containsAll(labelMatch.entrySet())
                        || !Double.isFinite(s.value()) || s.value() < 0) {
                    continue;
                }
                found = true;
                Double last = lastBySeries.put(s.name() + s.labels(), s.value());
                if (last == null) {
                    continue; // baseline
                }
                double step = s.value() < last ? s.value() : s.value() - last;
                if (isSum) {
                    sum += step;
                } else {
                    count += step;
                }
            }
            if (!found) {
                return;
            }
            points.addLast(new double[] {now, sum, count});
            while (points.size() > 2 && now - (long) secondOldest()[0] >= windowNanos) {
                points.removeFirst();
            }
        }

        private double[] secondOldest() {
            var it = points.iterator();
            it.next();
            return it.next();
        }

        java.util.OptionalDouble mean(long now) {
            if (points.size() >= 2) {
                double[] newest = points.peekLast();
                double[] oldest = points.peekFirst();
                double requests = newest[2] - oldest[2];
                if (requests > 0) {
                    lastMean = (newest[1] - oldest[1]) / requests;
                }
            }
            return Double.isNaN(lastMean) ? java.util.OptionalDouble.empty() : java.util.OptionalDouble.of(lastMean);
        }
    }

    private Optional<ThroughputObservation> phase(List<PrometheusText.Sample> samples, Optional<String> counter,
                                                  WorkloadPhase phase, long now) {
        if (counter.isEmpty()) {
            return Optional.empty();
        }
        boolean found = false;
        double total = totals.getOrDefault(phase, 0.0);
        for (PrometheusText.Sample s : samples) {
            if (!s.name().equals(counter.get()) || !s.labels().entrySet().containsAll(labelMatch.entrySet())
                    || !Double.isFinite(s.value()) || s.value() < 0) {
                continue;
            }
            found = true;
            String series = s.name() + s.labels();
            Double last = lastBySeries.put(series, s.value());
            if (last == null) {
                continue;
            }
            if (s.value() < last) {
                counterResets++;
                total += s.value();
            } else {
                total += s.value() - last;
            }
        }
        if (!found) {
            return Optional.empty();
        }
        totals.put(phase, total);
        return Optional.of(ThroughputObservation.of(now, phase, TokenReading.CUMULATIVE, total, ThroughputScope.JOB));
    }

    @Override
    public Map<String, Long> events() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("fetch_errors", fetchErrors);
        m.put("malformed_lines", malformedLines);
        m.put("pages_without_counters", pagesWithoutCounters);
        m.put("counter_resets", counterResets);
        return m;
    }

    /** Drops of a counter series seen so far (server restarts). */
    public long counterResets() {
        return counterResets;
    }

    /** Fetches that failed (unreachable, timeout, HTTP status other than 200). */
    public long fetchErrors() {
        return fetchErrors;
    }

    /** Lines of fetched pages that were not valid exposition format. */
    public long malformedLines() {
        return malformedLines;
    }

    /** Pages fetched that held none of the configured counters (wrong server, wrong labels). */
    public long pagesWithoutCounters() {
        return pagesWithoutCounters;
    }
}
