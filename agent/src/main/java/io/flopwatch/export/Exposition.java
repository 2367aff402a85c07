package io.flopwatch.export;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The body of {@code GET /metrics}, rendered once per snapshot instead of once per scrape.
 *
 * <p>flopwatch's meters read only the latest published snapshot (and, for the job series, what
 * {@link SnapshotMetrics#sync} computed from the snapshot it last synced), so the rendering of
 * those meters is a function of three things: the latest snapshot, the last sync, and the set
 * of registered meters. The one kind of series that is not, {@code flopwatch_gpu_sample_age_seconds}
 * (computed from the ticker at the scrape), lives in a second, small registry ({@code scrapeTime}).
 * A scrape renders the small registry anew and joins it to the cached rendering of the large
 * one, which is rendered again only when one of the three changed: a new snapshot was published,
 * a sync finished, or a meter was added to or removed from the large registry (Micrometer's
 * {@code onMeterAdded}/{@code onMeterRemoved}, so a meter that {@code sync} registers after the
 * snapshot was published, or a reload removes, shows on the next scrape).
 *
 * <p>The joined body is what one full rendering of both registries' meters in one registry would
 * give at that moment: the same families in the same order (both parts are sorted by the
 * Prometheus name, as the Prometheus client sorts a scrape, and the families of the small part
 * are put in their places), the same HELP, TYPE and sample lines, and in OpenMetrics exactly
 * one {@code # EOF}. The values of the snapshot-derived series are the latest snapshot's, as a
 * fresh rendering would read them; the sample age is the scrape's own.
 *
 * <p>The key of a cached rendering is read before the rendering starts, and each of its parts
 * changes only after the change it stands for can be seen by a rendering (the snapshot is the
 * one the meters read; the sync count is raised when a sync is done; Micrometer tells its
 * listeners of a new meter after the Prometheus collector holds it, and of a removed one after
 * the Prometheus registry's own listener dropped it). So a rendering that raced a change is
 * filed under the key from before it, and the next scrape, reading the new key, renders again:
 * a scrape never gets a body older than the last change it could see.
 *
 * <p>Concurrent misses share one rendering ({@link CoalescedScrapes}); a hit reads the cache
 * (a {@link ConcurrentHashMap}) and takes no lock that a rendering holds. Thread-safe.
 */
public final class Exposition {
    /** The Prometheus text format's content type, version 0.0.4. */
    public static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics 1.0.0. */
    public static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final byte[] EOF = "# EOF\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * What the values of the snapshot-derived meters are read from: the latest snapshot, compared
     * by identity (a snapshot is immutable and published once), and how many syncs have finished.
     */
    public record Inputs(Object snapshot, long syncs) {
        boolean sameAs(Inputs o) {
            return o != null && snapshot == o.snapshot && syncs == o.syncs;
        }
    }

    private final PrometheusMeterRegistry snapshotDerived;
    /** Null: no cache, every scrape renders {@link #snapshotDerived} whole (see {@link #uncached}). */
    private final PrometheusMeterRegistry scrapeTime;
    private final Supplier<Inputs> inputs;
    /** Raised after every meter added to or removed from {@link #snapshotDerived}. */
    private final AtomicLong meterVersion = new AtomicLong();
    /** The last rendering of the snapshot-derived part per content type. */
    private final ConcurrentHashMap<String, Part> cache = new ConcurrentHashMap<>();
    private final CoalescedScrapes renderings;
    private final AtomicInteger partRenderings = new AtomicInteger();

    /**
     * @param snapshotDerived the meters whose values follow from {@code inputs} alone
     * @param scrapeTime      the meters computed at the scrape (rendered on every scrape); no
     *                        family may be in both registries
     * @param inputs          the latest snapshot and the sync count, read on every scrape (keep it
     *                        cheap and lock-free: {@link SnapshotMetrics#syncs()} is)
     */
    public Exposition(PrometheusMeterRegistry snapshotDerived, PrometheusMeterRegistry scrapeTime,
                      Supplier<Inputs> inputs) {
        this.snapshotDerived = Objects.requireNonNull(snapshotDerived, "snapshotDerived");
        this.scrapeTime = Objects.requireNonNull(scrapeTime, "scrapeTime");
        this.inputs = Objects.requireNonNull(inputs, "inputs");
        snapshotDerived.config().onMeterAdded(m -> meterVersion.incrementAndGet());
        snapshotDerived.config().onMeterRemoved(m -> meterVersion.incrementAndGet());
        this.renderings = new CoalescedScrapes(this::renderPart);
    }

    private Exposition(PrometheusMeterRegistry registry) {
        this.snapshotDerived = Objects.requireNonNull(registry, "registry");
        this.scrapeTime = null;
        this.inputs = null;
        this.renderings = new CoalescedScrapes(ct -> render(registry, ct));
    }

    /**
     * A registry rendered whole on every scrape (concurrent scrapes still share a rendering): for
     * a registry whose meters may read anything, as {@link MetricsServer} serves one it was given.
     */
    public static Exposition uncached(PrometheusMeterRegistry registry) {
        return new Exposition(registry);
    }

    /** The Prometheus text (0.0.4) of this moment, as {@code /metrics} answers it. */
    public String scrape() {
        return new String(scrape(TEXT), StandardCharsets.UTF_8);
    }

    /**
     * The exposition for {@code contentType} ({@link #TEXT} or {@link #OPENMETRICS}) as UTF-8
     * bytes; callers must not change the array, it may be shared.
     */
    byte[] scrape(String contentType) {
        if (scrapeTime == null) {
            return renderings.scrape(contentType);
        }
        boolean openMetrics = contentType.startsWith("application/openmetrics-text");
        Inputs now = inputs.get();
        long meters = meterVersion.get();
        Part part = cache.get(contentType);
        if (part == null || !part.isFor(now, meters)) {
            byte[] rendered = renderings.scrape(contentType);
            part = cache.get(contentType);
            if (part == null || part.rendered != rendered) {
                // A newer rendering replaced the one this scrape waited for: index its bytes here.
                part = new Part(null, -1, rendered, Families.of(rendered, openMetrics));
            }
        }
        Families fresh = Families.of(render(scrapeTime, contentType), openMetrics);
        return join(part, fresh, openMetrics);
    }

    /** Renderings of the snapshot-derived part so far (for tests). */
    int partRenderings() {
        return partRenderings.get();
    }

    /** Renders the snapshot-derived registry under the key read before it starts, and caches it. */
    private byte[] renderPart(String contentType) {
        Inputs key = inputs.get();
        long meters = meterVersion.get();
        byte[] rendered = render(snapshotDerived, contentType);
        partRenderings.incrementAndGet();
        Part part = new Part(key, meters, rendered,
                Families.of(rendered, contentType.startsWith("application/openmetrics-text")));
        cache.put(contentType, part);
        return rendered;
    }

    /**
     * The registry's exposition as UTF-8 bytes, written by Micrometer straight into a buffer:
     * {@code scrape(String)} would decode the same bytes into a String that the server then
     * encodes again, two passes over a body of hundreds of kilobytes on a big node.
     */
    private static byte[] render(PrometheusMeterRegistry registry, String contentType) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        try {
            registry.scrape(body, contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a ByteArrayOutputStream does not throw
        }
        return body.toByteArray();
    }

    /**
     * The cached part with the families of the fresh one put in their places by name, copied once
     * into an array of the exact size (a scrape's one pass over the cached bytes).
     */
    static byte[] join(Part cached, Families fresh, boolean openMetrics) {
        Families c = cached.families;
        if (fresh.keys.length == 0) {
            return cached.rendered; // nothing computed at the scrape: the cached bytes as they are
        }
        byte[] out = new byte[c.length + fresh.length - fresh.starts[0] + (openMetrics ? EOF.length : 0)];
        int written = 0;
        int from = 0;
        for (int f = 0; f < fresh.keys.length; f++) {
            // Both parts are sorted by name, so the places only move forward.
            int at = Math.max(from, c.offsetBefore(fresh.keys[f]));
            System.arraycopy(c.bytes, from, out, written, at - from);
            written += at - from;
            int n = fresh.end(f) - fresh.starts[f];
            System.arraycopy(fresh.bytes, fresh.starts[f], out, written, n);
            written += n;
            from = at;
        }
        System.arraycopy(c.bytes, from, out, written, c.length - from);
        written += c.length - from;
        if (openMetrics) {
            System.arraycopy(EOF, 0, out, written, EOF.length);
        }
        return out;
    }

    /** A rendering of the snapshot-derived registry, the key it was made under and its families. */
    static final class Part {
        final Inputs inputs;
        final long meterVersion;
        final byte[] rendered;
        final Families families;

        Part(Inputs inputs, long meterVersion, byte[] rendered, Families families) {
            this.inputs = inputs;
            this.meterVersion = meterVersion;
            this.rendered = rendered;
            this.families = families;
        }

        boolean isFor(Inputs now, long meters) {
            return inputs != null && inputs.sameAs(now) && meterVersion == meters;
        }
    }

    /**
     * An exposition split into metric families: where each starts (its first comment line) and
     * the name the Prometheus client sorts it by, read from its {@code # TYPE} line. In OpenMetrics
     * that line carries the name itself; the text format writes a counter as {@code NAME_total}
     * and an info metric as {@code NAME_info} (TYPE gauge), so those suffixes come off. The
     * trailing {@code # EOF} of OpenMetrics is not part of any family ({@link #length} ends before it).
     */
    static final class Families {
        final byte[] bytes;
        /** Bytes of {@link #bytes} that are families (all of them but an OpenMetrics {@code # EOF}). */
        final int length;
        final int[] starts;
        final String[] keys;

        private Families(byte[] bytes, int length, int[] starts, String[] keys) {
            this.bytes = bytes;
            this.length = length;
            this.starts = starts;
            this.keys = keys;
        }

        static Families of(byte[] bytes, boolean openMetrics) {
            int length = bytes.length;
            if (openMetrics && endsWith(bytes, EOF)) {
                length -= EOF.length;
            }
            List<Integer> starts = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            boolean previousWasComment = false;
            int line = 0;
            while (line < length) {
                int end = line;
                while (end < length && bytes[end] != '\n') {
                    end++;
                }
                boolean comment = bytes[line] == '#';
                if (comment && !previousWasComment) {
                    starts.add(line);
                    keys.add(null);
                }
                if (comment && startsWith(bytes, line, "# TYPE ")) {
                    keys.set(keys.size() - 1, sortKey(new String(bytes, line + 7, end - line - 7,
                            StandardCharsets.UTF_8), openMetrics));
                }
                previousWasComment = comment;
                line = end + 1;
            }
            int[] s = new int[starts.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = starts.get(i);
            }
            return new Families(bytes, length, s, keys.toArray(new String[0]));
        }

        /** "NAME TYPE" of a {@code # TYPE} line → the name the Prometheus client sorts the family by. */
        static String sortKey(String typeLine, boolean openMetrics) {
            int space = typeLine.indexOf(' ');
            String name = space < 0 ? typeLine : typeLine.substring(0, space);
            String type = space < 0 ? "" : typeLine.substring(space + 1).trim();
            if (openMetrics) {
                return name;
            }
            if (type.equals("counter") && name.endsWith("_total")) {
                return name.substring(0, name.length() - "_total".length());
            }
            if (type.equals("gauge") && name.endsWith("_info")) {
                return name.substring(0, name.length() - "_info".length());
            }
            return name;
        }

        int end(int family) {
            return family + 1 < starts.length ? starts[family + 1] : length;
        }

        /** Where a family sorted by {@code key} goes: before the first family sorted after it. */
        int offsetBefore(String key) {
            int lo = 0;
            int hi = keys.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                String k = keys[mid];
                if (k != null && k.compareTo(key) > 0) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo < starts.length ? starts[lo] : length;
        }

        private static boolean startsWith(byte[] b, int at, String prefix) {
            if (at + prefix.length() > b.length) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (b[at + i] != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean endsWith(byte[] b, byte[] suffix) {
            return b.length >= suffix.length
                    && Arrays.equals(b, b.length - suffix.length, b.length, suffix, 0, suffix.length);
        }
    }
}
