package io.flopwatch.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scrape latency under load: CONCURRENCY threads each GET the URL back to back for SECONDS
 * (after one untimed scrape each); prints p50/p99/max of all scrapes, the count and the
 * response size. Each thread has its own HTTP/1.1 client, like independent scrapers.
 *
 * <p>With PAUSE_MS, each thread waits that long after each scrape instead (paced, as a real
 * Prometheus scrapes once per scrape interval): with a pause longer than the agent's sampling
 * interval every flopwatch scrape comes after a new snapshot, so it measures a full rendering
 * rather than the text kept for the snapshot (docs/agent.md).
 *
 * <p>Usage: ScrapeLatency URL CONCURRENCY SECONDS [PAUSE_MS]
 */
public final class ScrapeLatency {
    private ScrapeLatency() {
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        int concurrency = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        long pauseMillis = args.length > 3 ? Long.parseLong(args[3]) : 0;
        List<long[]> perThread = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        for (int t = 0; t < concurrency; t++) {
            long[] samples = new long[200_000];
            perThread.add(samples);
            Thread th = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build();
                int n = 0;
                try {
                    client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                    while (System.nanoTime() < deadline && n < samples.length - 1) {
                        long t0 = System.nanoTime();
                        HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        long dt = System.nanoTime() - t0;
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        bytes.set(r.body().length);
                        samples[++n] = dt;
                        if (pauseMillis > 0) {
                            Thread.sleep(pauseMillis);
                        }
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
                samples[0] = n;
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        int total = 0;
        for (long[] s : perThread) {
            total += (int) s[0];
        }
        long[] all = new long[total];
        int k = 0;
        for (long[] s : perThread) {
            System.arraycopy(s, 1, all, k, (int) s[0]);
            k += (int) s[0];
        }
        Arrays.sort(all);
        System.out.printf(Locale.ROOT, "url=%s concurrency=%d pause_ms=%d scrapes=%d errors=%d bytes=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%n",
                url, concurrency, pauseMillis, total, errors.get(), bytes.get(), pct(all, 0.50), pct(all, 0.99),
                total == 0 ? Double.NaN : all[total - 1] / 1e6);
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, i)] / 1e6;
    }
}
