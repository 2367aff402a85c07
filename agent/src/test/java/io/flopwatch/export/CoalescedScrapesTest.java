package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoalescedScrapesTest {
    private final ExecutorService scrapers = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        scrapers.shutdownNow();
    }

    /** A renderer whose first rendering waits until the test lets it finish. */
    private static final class GatedRender implements Function<String, byte[]> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger renderings = new AtomicInteger();
        volatile RuntimeException failure;

        @Override
        public byte[] apply(String contentType) {
            int n = renderings.incrementAndGet();
            if (n == 1) {
                entered.countDown();
                try {
                    assertTrue(release.await(30, TimeUnit.SECONDS), "the test never released the rendering");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (failure != null) {
                    throw failure;
                }
            }
            return (contentType + " rendering " + n).getBytes(StandardCharsets.UTF_8);
        }
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    private static void awaitWaiting(CoalescedScrapes scrapes, int n) throws InterruptedException {
        // bounded poll for a state, not a timing assertion: the joiners block in join()
        for (int i = 0; i < 3000 && scrapes.waiting() < n; i++) {
            Thread.sleep(10);
        }
        assertEquals(n, scrapes.waiting(), "scrapes waiting for the rendering under way");
    }

    @Test
    void scrapesArrivingDuringARenderingShareItAndALaterScrapeRendersAgain() throws Exception {
        GatedRender render = new GatedRender();
        CoalescedScrapes scrapes = new CoalescedScrapes(render);
        Future<byte[]> first = scrapers.submit(() -> scrapes.scrape("text/plain"));
        assertTrue(render.entered.await(30, TimeUnit.SECONDS));
        Future<byte[]> second = scrapers.submit(() -> scrapes.scrape("text/plain"));
        Future<byte[]> third = scrapers.submit(() -> scrapes.scrape("text/plain"));
        awaitWaiting(scrapes, 2);
        render.release.countDown();
        assertEquals("text/plain rendering 1", text(first.get(30, TimeUnit.SECONDS)));
        assertEquals("text/plain rendering 1", text(second.get(30, TimeUnit.SECONDS)));
        assertEquals("text/plain rendering 1", text(third.get(30, TimeUnit.SECONDS)));
        assertEquals(1, render.renderings.get(), "three scrapes, one rendering");
        assertEquals(0, scrapes.waiting());
        assertEquals("text/plain rendering 2", text(scrapes.scrape("text/plain")), "a scrape after it renders anew");
    }

    @Test
    void anotherContentTypeIsRenderedOnItsOwn() throws Exception {
        GatedRender render = new GatedRender();
        CoalescedScrapes scrapes = new CoalescedScrapes(render);
        Future<byte[]> plain = scrapers.submit(() -> scrapes.scrape("text/plain"));
        assertTrue(render.entered.await(30, TimeUnit.SECONDS));
        // OpenMetrics is a different text: it must not wait for, nor take, the text rendering
        assertEquals("application/openmetrics-text rendering 2", text(scrapes.scrape("application/openmetrics-text")));
        render.release.countDown();
        assertEquals("text/plain rendering 1", text(plain.get(30, TimeUnit.SECONDS)));
    }

    @Test
    void aFailedRenderingFailsEveryScrapeThatWaitedForItAndTheNextOneTriesAgain() throws Exception {
        GatedRender render = new GatedRender();
        render.failure = new IllegalStateException("meter broke");
        CoalescedScrapes scrapes = new CoalescedScrapes(render);
        Future<byte[]> first = scrapers.submit(() -> scrapes.scrape("text/plain"));
        assertTrue(render.entered.await(30, TimeUnit.SECONDS));
        Future<Throwable> second = scrapers.submit(() -> assertThrows(IllegalStateException.class,
                () -> scrapes.scrape("text/plain")));
        awaitWaiting(scrapes, 1);
        render.release.countDown();
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
        assertSame(render.failure, e.getCause());
        assertSame(render.failure, second.get(30, TimeUnit.SECONDS));
        assertEquals("text/plain rendering 2", text(scrapes.scrape("text/plain")));
    }
}
