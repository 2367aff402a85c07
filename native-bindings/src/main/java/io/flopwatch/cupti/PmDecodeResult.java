package io.flopwatch.cupti;

import java.util.List;

/**
 * What one decode produced: the completed samples, and whether the hardware buffer overflowed
 * (samples were lost; the session should be restarted).
 */
public record PmDecodeResult(List<PmSample> samples, boolean hardwareBufferOverflow) {
    public PmDecodeResult {
        samples = List.copyOf(samples);
    }
}
