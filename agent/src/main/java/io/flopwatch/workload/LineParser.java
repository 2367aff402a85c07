package io.flopwatch.workload;

import java.util.List;

/**
 * Turns one complete log line into what it says about throughput. A parser may keep state from
 * earlier lines (nanoGPT prints its tokens per iteration once, at start), so use one instance per
 * followed log stream, in line order, from one thread at a time (parsers also reuse buffers and
 * matchers between lines). Lines it does not recognise give an empty list. A line of the
 * format whose values cannot be a reading (a negative token total, a count of 2^63 or more, an
 * infinite rate) throws; {@link LogThroughputSource} counts it as a rejected line and goes on.
 */
public interface LineParser {

    /**
     * @param line     one line without its terminator
     * @param nanoTime when the line was read, from {@link io.flopwatch.telemetry.Ticker#nanoTime()}
     * @return the observations in the line, possibly several (vLLM reports prompt and generation
     *         rates together), or an empty list
     */
    List<ThroughputObservation> parse(String line, long nanoTime);
}
