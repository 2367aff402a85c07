package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlUnavailableException;
import io.flopwatch.telemetry.NvmlOpener;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The first session is opened ahead on its own thread; to the sampler it is the opener it wraps. */
class EarlyNvmlOpenerTest {

    /** Sessions the tests only compare by identity: no method of theirs is ever called. */
    private static NvmlSession session(String name) {
        return (NvmlSession) Proxy.newProxyInstance(NvmlSession.class.getClassLoader(), new Class<?>[] {NvmlSession.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "toString" -> name;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new AssertionError(name + "." + method.getName() + " called");
                });
    }

    /** Hands out the given sessions in order and records the thread of each call. */
    private static final class CountingOpener implements NvmlOpener {
        final List<String> threads = new CopyOnWriteArrayList<>();
        private final List<NvmlSession> sessions;
        private int next;

        CountingOpener(NvmlSession... sessions) {
            this.sessions = List.of(sessions);
        }

        @Override
        public synchronized NvmlSession open() {
            threads.add(Thread.currentThread().getName());
            return sessions.get(next++);
        }
    }

    @Test
    void theFirstSessionIsOpenedAheadAndTheRestOnDemand() {
        NvmlSession control = session("control");
        NvmlSession worker = session("worker");
        CountingOpener opener = new CountingOpener(control, worker);

        EarlyNvmlOpener early = new EarlyNvmlOpener(opener);

        assertSame(control, early.open());
        assertEquals(List.of("flopwatch-nvml-open"), opener.threads, "opened on its own thread");
        assertSame(worker, early.open());
        assertEquals(List.of("flopwatch-nvml-open", Thread.currentThread().getName()), opener.threads);
    }

    @Test
    void aFailedFirstOpenThrowsWhatTheOpenerThrewAndTheNextTriesAgain() {
        NvmlUnavailableException why = new NvmlUnavailableException("nvmlInit_v2", 9, "Driver Not Loaded",
                "NVIDIA driver not loaded (NVML error 9: Driver Not Loaded)", null);
        NvmlSession later = session("later");
        NvmlOpener opener = new NvmlOpener() {
            private boolean failed;

            @Override
            public synchronized NvmlSession open() {
                if (!failed) {
                    failed = true;
                    throw why;
                }
                return later;
            }
        };
        EarlyNvmlOpener early = new EarlyNvmlOpener(opener);

        assertSame(why, assertThrows(NvmlUnavailableException.class, early::open));
        assertSame(later, early.open(), "the sampler's retry after its back-off opens afresh");
    }

    @Test
    void anUntakenSessionIsClosedWhenDiscarded() throws Exception {
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        NvmlSession control = (NvmlSession) Proxy.newProxyInstance(NvmlSession.class.getClassLoader(),
                new Class<?>[] {NvmlSession.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        closed.countDown();
                        return null;
                    }
                    throw new AssertionError("only close is expected, not " + method.getName());
                });
        NvmlSession fresh = session("fresh");
        CountingOpener opener = new CountingOpener(control, fresh);
        EarlyNvmlOpener early = new EarlyNvmlOpener(opener);

        early.discard();

        assertTrue(closed.await(10, java.util.concurrent.TimeUnit.SECONDS), "the early session was never closed");
        assertSame(fresh, early.open(), "after a discard every open is a fresh one");
        early.discard(); // nothing left to give back: no second close
    }

    @Test
    void aTakenSessionIsNotTheDiscardsToClose() {
        NvmlSession control = session("control"); // any call on it, close included, fails the test
        EarlyNvmlOpener early = new EarlyNvmlOpener(new CountingOpener(control));
        assertSame(control, early.open());
        early.discard();
    }

    @Test
    void anInterruptWhileWaitingIsKeptNotLost() throws Exception {
        NvmlSession control = session("control");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        EarlyNvmlOpener early = new EarlyNvmlOpener(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return control;
        });
        Thread.currentThread().interrupt();
        release.countDown();
        assertSame(control, early.open());
        assertTrue(Thread.interrupted(), "the caller still sees its interrupt");
    }
}
