package io.flopwatch.telemetry.cupti;

import io.flopwatch.cupti.ConfigImage;
import io.flopwatch.cupti.CuptiCondition;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.CuptiHost;
import io.flopwatch.cupti.PmDecodeResult;
import io.flopwatch.cupti.PmSample;
import io.flopwatch.cupti.PmSampler;
import io.flopwatch.telemetry.Ticker;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * CUPTI PM sampling of one GPU, as a state machine driven by {@link #step()} (the decode loop
 * calls it; tests call it directly): start a session, decode, aggregate samples into
 * per-interval means, and turn every CUPTI condition into a {@link Status} and one log line
 * instead of an exception.
 *
 * <ul>
 *   <li>Insufficient privileges, MIG, no PM sampling / no metric set for the chip: the collector
 *       stays off ({@link State#UNAVAILABLE}); the status says why and how to fix it.
 *   <li>Counters owned by another profiler, or an unexpected CUPTI error: counters released,
 *       retried after {@link CuptiCollectorSettings#retryInterval()}, doubling after each failed
 *       retry up to 16 × ({@link State#RETRYING}).
 *   <li>Hardware buffer overflow: the samples decoded so far are kept and the session is
 *       restarted at once; {@link Status#bufferOverflows()} counts them.
 *   <li>{@link #pause()} releases the counters (so Nsight Compute can run) until
 *       {@link #resume()}; {@link #close()} releases them for good.
 * </ul>
 *
 * <p>Thread-safety: {@link #step()}, {@link #pause()}, {@link #resume()} and {@link #close()} are
 * synchronized and the only places native calls are made. {@link #takeInterval()} and
 * {@link #status()} never wait for them: the samples sit behind a lock of their own that no
 * native call is made under, and the status is published after each of those methods, so the
 * sampler's thread is not held up by a slow or hung CUPTI call.
 */
public final class CuptiCollector implements AutoCloseable {

    /** Where the collector is. */
    public enum State { STARTING, RUNNING, PAUSED, RETRYING, UNAVAILABLE, CLOSED }

    /**
     * The collector's status, for a status metric and {@code doctor}.
     *
     * @param condition the last condition met, empty while all is well
     * @param detail CUPTI's message and the advice, or empty
     * @param bufferOverflows hardware buffer overflows since start (each restarted the session)
     * @param sessionStarts PM sampling sessions started (1 + restarts)
     */
    public record Status(State state, Optional<CuptiCondition> condition, String detail, long bufferOverflows,
            long sessionStarts) {
    }

    private final PmSampler sampler;
    private final CuptiHost host;
    private final CuptiMetricSets sets;
    private final CuptiCollectorSettings settings;
    private final Ticker ticker;
    private final Consumer<String> log;

    private State state = State.STARTING;
    private Optional<CuptiCondition> condition = Optional.empty();
    private String detail = "";
    private String lastLogged = "";
    private long retryAtNanos;
    /** Failures in a row that were retried: each doubles the wait, up to {@link #MAX_BACKOFF_DOUBLINGS}. */
    private int consecutiveRetries;
    /** Set by another thread ({@link #requestPause()}), applied by the decode thread in {@link #step()}. */
    private volatile Boolean requestedPause;
    private long bufferOverflows;
    private long sessionStarts;
    private boolean enabled;
    private boolean started;

    private String chip = "";
    private CuptiMetricSet metricSet;
    /** Guards {@link #accumulator} only; nothing native happens while it is held. */
    private final Object intervalLock = new Object();
    private Accumulator accumulator = new Accumulator();
    private volatile Status published = new Status(State.STARTING, Optional.empty(), "", 0, 0);
    private volatile String publishedChip = "";

    /**
     * @param log receives each log line (one per condition met); the daemon passes a logger's warn
     */
    public CuptiCollector(PmSampler sampler, CuptiHost host, CuptiMetricSets sets, CuptiCollectorSettings settings,
            Ticker ticker, Consumer<String> log) {
        this.sampler = Objects.requireNonNull(sampler);
        this.host = Objects.requireNonNull(host);
        this.sets = Objects.requireNonNull(sets);
        this.settings = Objects.requireNonNull(settings);
        this.ticker = Objects.requireNonNull(ticker);
        this.log = Objects.requireNonNull(log);
    }

    /** The retry wait doubles after each failed retry up to 2^4 = 16 × the retry interval (e.g. 1 min → 16 min). */
    static final int MAX_BACKOFF_DOUBLINGS = 4;

    /**
     * Asks the decode thread to pause (release the counters) at its next {@link #step()}; for
     * callers that must not make native calls themselves (an HTTP handler).
     */
    public void requestPause() {
        requestedPause = Boolean.TRUE;
    }

    /** Asks the decode thread to resume at its next {@link #step()}. */
    public void requestResume() {
        requestedPause = Boolean.FALSE;
    }

    /** One turn of the decode loop: apply a requested pause/resume, start or restart a session when due, else decode. */
    public synchronized void step() {
        try {
            stepUnpublished();
        } finally {
            publish();
        }
    }

    private void publish() {
        published = new Status(state, condition, detail, bufferOverflows, sessionStarts);
        publishedChip = chip;
    }

    private void stepUnpublished() {
        Boolean pauseWanted = requestedPause;
        if (pauseWanted != null) {
            requestedPause = null;
            if (pauseWanted) {
                pause();
            } else {
                resume();
            }
        }
        switch (state) {
            case CLOSED, PAUSED, UNAVAILABLE -> {
                return;
            }
            case RETRYING -> {
                if (ticker.nanoTime() - retryAtNanos < 0) {
                    return;
                }
                startSession();
            }
            case STARTING -> startSession();
            case RUNNING -> decode();
        }
    }

    private void startSession() {
        try {
            if (metricSet == null) {
                chip = sampler.chipName();
                Optional<CuptiMetricSet> set = sets.forChip(chip);
                if (set.isEmpty()) {
                    becomeUnavailable(CuptiCondition.NOT_AVAILABLE, "no CUPTI PM sampling metric set for chip " + chip
                            + " (" + CuptiMetricSets.RESOURCE + "); Volta and older are not supported by PM sampling");
                    return;
                }
                metricSet = set.get();
            }
            ConfigImage config = host.configImage(chip, metricSet.metricNames(), Optional.of(sampler.counterAvailability()));
            if (!config.singlePass()) {
                becomeUnavailable(CuptiCondition.OTHER, "metric set " + metricSet.family() + " needs " + config.passes()
                        + " passes on this " + chip + " (its counters may be partly in use); PM sampling needs one");
                return;
            }
            sampler.enable();
            enabled = true;
            sampler.setConfig(settings.pmSettings(metricSet.trigger(), config));
            sampler.start();
            started = true;
            sessionStarts++;
            state = State.RUNNING;
            consecutiveRetries = 0;
            if (condition.isPresent() && condition.get() != CuptiCondition.BUFFER_OVERFLOW) {
                logLine("CUPTI PM sampling on GPU " + sampler.deviceIndex() + " (" + chip + ") running again after "
                        + condition.get());
            }
            condition = Optional.empty();
            detail = "";
        } catch (CuptiException e) {
            fail(e);
        }
    }

    private void decode() {
        PmDecodeResult result;
        try {
            result = sampler.decode();
        } catch (CuptiException e) {
            fail(e);
            return;
        }
        accumulate(result);
        if (result.hardwareBufferOverflow()) {
            bufferOverflows++;
            condition = Optional.of(CuptiCondition.BUFFER_OVERFLOW);
            detail = CuptiCondition.BUFFER_OVERFLOW.advice();
            if (Long.bitCount(bufferOverflows) == 1) {
                // the 1st, 2nd, 4th, 8th …: a GPU that keeps overflowing must not flood the log
                logLine("CUPTI PM sampling on GPU " + sampler.deviceIndex() + " (" + chip + "): "
                        + CuptiCondition.BUFFER_OVERFLOW.advice() + " (overflow " + bufferOverflows + ")");
            }
            release();
            startSession();
        }
    }

    private void fail(CuptiException e) {
        release();
        CuptiCondition c = e.condition();
        condition = Optional.of(c);
        detail = e.getMessage() + (c == CuptiCondition.OTHER || e.getMessage().contains(c.advice()) ? "" : ": " + c.advice());
        boolean permanent = c == CuptiCondition.INSUFFICIENT_PRIVILEGES || c == CuptiCondition.MIG_DEVICE_NOT_SUPPORTED
                || c == CuptiCondition.NOT_AVAILABLE;
        if (permanent) {
            state = State.UNAVAILABLE;
            logOnce("CUPTI PM sampling on GPU " + sampler.deviceIndex() + deviceChip() + " is off: " + detail);
        } else {
            state = State.RETRYING;
            Duration wait = settings.retryInterval().multipliedBy(1L << Math.min(consecutiveRetries, MAX_BACKOFF_DOUBLINGS));
            consecutiveRetries++;
            retryAtNanos = ticker.nanoTime() + wait.toNanos();
            logOnce("CUPTI PM sampling on GPU " + sampler.deviceIndex() + deviceChip() + " stopped: " + detail
                    + "; retrying from " + settings.retryInterval().toSeconds() + " s, backing off to "
                    + settings.retryInterval().multipliedBy(1L << MAX_BACKOFF_DOUBLINGS).toSeconds() + " s");
        }
    }

    private void becomeUnavailable(CuptiCondition c, String why) {
        release();
        state = State.UNAVAILABLE;
        condition = Optional.of(c);
        detail = why;
        logOnce("CUPTI PM sampling on GPU " + sampler.deviceIndex() + deviceChip() + " is off: " + why);
    }

    private String deviceChip() {
        return chip.isEmpty() ? "" : " (" + chip + ")";
    }

    /** Stops and disables, whatever was reached; errors here change nothing more. */
    private void release() {
        if (started) {
            started = false;
            try {
                sampler.stop();
            } catch (CuptiException ignored) {
                // the session is being abandoned; disable below still releases the counters
            }
        }
        if (enabled) {
            enabled = false;
            try {
                sampler.disable();
            } catch (CuptiException e) {
                logLine("CUPTI PM sampling on GPU " + sampler.deviceIndex() + ": releasing the counters failed: "
                        + e.getMessage());
            }
        }
    }

    /** Logs a line unless it is the same as the last one (a retried condition logs once). */
    private void logOnce(String line) {
        if (!line.equals(lastLogged)) {
            logLine(line);
        }
    }

    private void logLine(String line) {
        lastLogged = line;
        log.accept(line);
    }

    /**
     * Releases the counters so another profiler (Nsight Compute) can use them; sampling stays
     * off until {@link #resume()}. Samples already decoded stay in the current interval.
     */
    public synchronized void pause() {
        if (state == State.CLOSED || state == State.PAUSED || state == State.UNAVAILABLE) {
            return; // nothing held, and nothing to resume into
        }
        if (state == State.RUNNING) {
            try {
                accumulate(sampler.decode());
            } catch (CuptiException lost) {
                // what was not decoded is lost; pausing must still release the counters
            }
        }
        release();
        state = State.PAUSED;
        publish();
        logLine("CUPTI PM sampling on GPU " + sampler.deviceIndex() + deviceChip() + " paused: counters released");
    }

    private void accumulate(PmDecodeResult result) {
        synchronized (intervalLock) {
            for (PmSample s : result.samples()) {
                accumulator.add(metricSet.roles(), s);
            }
        }
    }

    /** Takes the counters again on the next step (also retries a condition that stopped it). */
    public synchronized void resume() {
        if (state == State.PAUSED || state == State.RETRYING) {
            state = State.STARTING;
            consecutiveRetries = 0;
            publish();
            logLine("CUPTI PM sampling on GPU " + sampler.deviceIndex() + deviceChip() + " resumed");
        }
    }

    /** Releases the counters for good. */
    @Override
    public synchronized void close() {
        if (state != State.CLOSED) {
            release();
            state = State.CLOSED;
            publish();
        }
    }

    /** The status as of the end of the last step, pause, resume or close; never waits. */
    public Status status() {
        return published;
    }

    /** The means since the previous call, and the status; starts a new interval. */
    public CuptiInterval takeInterval() {
        Accumulator done;
        synchronized (intervalLock) {
            done = accumulator;
            accumulator = new Accumulator();
        }
        return new CuptiInterval(sampler.deviceIndex(), publishedChip, done.samples, Duration.ofNanos(done.coveredNanos),
                done.means(), published);
    }

    /** Time-weighted sums per role: a mean over samples of unequal length weights each by its span. */
    private static final class Accumulator {
        private final Map<CuptiMetricRole, double[]> sums = new EnumMap<>(CuptiMetricRole.class);
        private int samples;
        private long coveredNanos;

        void add(List<CuptiMetricRole> roles, PmSample s) {
            long span = s.endTimestampNanos() - s.startTimestampNanos();
            if (span <= 0 || s.values().size() != roles.size()) {
                return; // a sample without a positive GPU time span has no weight
            }
            samples++;
            coveredNanos += span;
            for (int i = 0; i < roles.size(); i++) {
                double v = s.values().get(i);
                if (Double.isFinite(v)) {
                    double[] sw = sums.computeIfAbsent(roles.get(i), r -> new double[2]);
                    sw[0] += v * span;
                    sw[1] += span;
                }
            }
        }

        Map<CuptiMetricRole, Double> means() {
            Map<CuptiMetricRole, Double> out = new EnumMap<>(CuptiMetricRole.class);
            sums.forEach((role, sw) -> out.put(role, sw[0] / sw[1]));
            return out;
        }
    }
}
