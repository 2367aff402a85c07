package io.flopwatch.export;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Renders the exposition for concurrent scrapes once: a scrape that arrives while a rendering
 * of the same content type is under way waits for that rendering and sends its text, instead of
 * rendering the same meters again beside it. Its values are then at most one rendering older
 * than the request (milliseconds; flopwatch's meters change once per sample cycle anyway). With
 * several scrapers (an HA pair of Prometheus servers, a Grafana agent, someone's curl) arriving
 * together, the agent renders once instead of once per scraper, so the CPU the scrapes take and
 * the time the last one waits stop growing with their number (docs/BENCHMARKS.md, section 3).
 * A scrape that arrives after a rendering has finished always gets a new one. In the agent,
 * {@link Exposition} asks for a rendering only when its text of the current snapshot is missing,
 * so this shares the renderings of concurrent misses.
 */
final class CoalescedScrapes {
    private final Function<String, byte[]> render;
    /** The rendering under way per content type; guarded by {@code this}. */
    private final Map<String, CompletableFuture<byte[]>> inFlight = new HashMap<>();
    /** Scrapes now waiting for another's rendering (for tests); guarded by {@code this}. */
    private int waiting;

    /** @param render the exposition for a content type, as UTF-8 bytes */
    CoalescedScrapes(Function<String, byte[]> render) {
        this.render = Objects.requireNonNull(render, "render");
    }

    /** The exposition for {@code contentType} (UTF-8; callers must not change the array, it is shared); a rendering's exception reaches every scrape that waited for it. */
    byte[] scrape(String contentType) {
        CompletableFuture<byte[]> rendering;
        boolean another;
        synchronized (this) {
            rendering = inFlight.get(contentType);
            another = rendering != null;
            if (another) {
                waiting++;
            } else {
                rendering = new CompletableFuture<>();
                inFlight.put(contentType, rendering);
            }
        }
        if (another) {
            return awaitOther(rendering);
        }
        byte[] text;
        try {
            text = render.apply(contentType);
        } catch (RuntimeException | Error e) {
            finish(contentType, rendering, null, e);
            throw e;
        }
        finish(contentType, rendering, text, null);
        return text;
    }

    private byte[] awaitOther(CompletableFuture<byte[]> rendering) {
        try {
            return rendering.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        } finally {
            synchronized (this) {
                waiting--;
            }
        }
    }

    private void finish(String contentType, CompletableFuture<byte[]> rendering, byte[] text, Throwable failure) {
        // Removed before it completes: a scrape arriving from now on starts a new rendering
        // rather than taking this one's text, which predates it.
        synchronized (this) {
            inFlight.remove(contentType);
        }
        if (failure != null) {
            rendering.completeExceptionally(failure);
        } else {
            rendering.complete(text);
        }
    }

    /** Scrapes now waiting for another scrape's rendering. */
    synchronized int waiting() {
        return waiting;
    }
}
