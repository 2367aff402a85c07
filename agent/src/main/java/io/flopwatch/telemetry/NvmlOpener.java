package io.flopwatch.telemetry;

import io.flopwatch.nvml.NvmlSession;

/**
 * Opens an NVML session ({@code NvmlSource::open} in production, a hand-written fake in tests).
 * The sampler opens one per device worker: a session serializes its calls, so a call hung on
 * one GPU would otherwise block every other GPU; NVML's init is reference-counted, so several
 * sessions share one initialized library.
 */
@FunctionalInterface
public interface NvmlOpener {
    NvmlSession open();
}
