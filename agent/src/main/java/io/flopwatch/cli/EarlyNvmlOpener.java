package io.flopwatch.cli;

import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.telemetry.NvmlOpener;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Opens the agent's first NVML session on a thread of its own as soon as the configuration
 * says which NVML to open, so that loading JNA and the library, and {@code nvmlInit}, overlap
 * with building the rest of the agent (meters, analyzers, the HTTP server) instead of
 * following it on the sampler's thread: the first cycle, and with it the first scrape with
 * data, comes that much sooner (docs/BENCHMARKS.md, section 5).
 *
 * <p>The first {@link #open()} returns that session, or throws what opening it threw, exactly
 * as the wrapped opener would have; every later call (one session per GPU worker, reopening
 * after a driver loss) goes to the wrapped opener.
 */
final class EarlyNvmlOpener implements NvmlOpener {

    private final NvmlOpener opener;
    private final AtomicReference<CompletableFuture<NvmlSession>> first;

    EarlyNvmlOpener(NvmlOpener opener) {
        this.opener = opener;
        CompletableFuture<NvmlSession> f = new CompletableFuture<>();
        first = new AtomicReference<>(f);
        Thread t = new Thread(() -> {
            try {
                f.complete(opener.open());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "flopwatch-nvml-open");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Gives the early session back when nobody took it: the agent failed to build (a port in
     * use) or stopped before its sampler's first cycle. Closed as soon as its open finishes, so
     * that NVML's init count, and the simulated library, are not held by a session no one
     * will close. A session already taken belongs to the sampler, which closes it.
     */
    void discard() {
        CompletableFuture<NvmlSession> f = first.getAndSet(null);
        if (f != null) {
            f.thenAccept(NvmlSession::close);
        }
    }

    @Override
    public NvmlSession open() {
        CompletableFuture<NvmlSession> f = first.getAndSet(null);
        if (f == null) {
            return opener.open();
        }
        // Uninterruptible, as the native open it stands for is; an interrupt is kept for the caller.
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
