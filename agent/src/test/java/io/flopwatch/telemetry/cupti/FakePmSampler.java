package io.flopwatch.telemetry.cupti;

import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.PmDecodeResult;
import io.flopwatch.cupti.PmSampler;
import io.flopwatch.cupti.PmSamplingSettings;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-written PmSampler: records every call, hands out scripted decode results, and throws
 * scripted CuptiExceptions from named methods. {@link #countersHeld()} tells whether the
 * collector left the counters enabled.
 */
class FakePmSampler implements PmSampler {
    final List<String> calls = new ArrayList<>();
    final Deque<PmDecodeResult> decodes = new ArrayDeque<>();
    /** method name → exceptions to throw on its next calls (one per call). */
    final Map<String, Deque<CuptiException>> failures = new HashMap<>();
    PmSamplingSettings lastSettings;
    private final String chip;
    private boolean enabled;

    FakePmSampler(String chip) {
        this.chip = chip;
    }

    FakePmSampler failNext(String method, CuptiException e) {
        failures.computeIfAbsent(method, m -> new ArrayDeque<>()).add(e);
        return this;
    }

    boolean countersHeld() {
        return enabled;
    }

    private void call(String method) {
        calls.add(method);
        Deque<CuptiException> queue = failures.get(method);
        if (queue != null && !queue.isEmpty()) {
            throw queue.poll();
        }
    }

    @Override
    public int deviceIndex() {
        return 0;
    }

    @Override
    public String chipName() {
        call("chipName");
        return chip;
    }

    @Override
    public byte[] counterAvailability() {
        call("counterAvailability");
        return new byte[] {1, 2, 3};
    }

    @Override
    public void enable() {
        call("enable");
        if (enabled) {
            throw new IllegalStateException("enable twice: the collector lost track of the counters");
        }
        enabled = true;
    }

    @Override
    public void setConfig(PmSamplingSettings settings) {
        call("setConfig");
        lastSettings = settings;
    }

    @Override
    public void start() {
        call("start");
    }

    @Override
    public PmDecodeResult decode() {
        call("decode");
        return decodes.isEmpty() ? new PmDecodeResult(List.of(), false) : decodes.poll();
    }

    @Override
    public void stop() {
        call("stop");
    }

    @Override
    public void disable() {
        call("disable");
        enabled = false;
    }
}
