package io.flopwatch.telemetry.cupti;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The CUPTI collectors' own thread: steps every collector, then sleeps for the decode
 * interval. One named daemon thread whose loop catches everything (an escaped exception would
 * end sampling silently); {@link #close()} stops it and then closes every collector, which
 * releases the counters.
 */
public final class CuptiDecodeLoop implements AutoCloseable {

    /** How the loop waits; tests pass one that does not sleep. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public static final String THREAD_NAME = "flopwatch-cupti-decode";

    private final List<CuptiCollector> collectors;
    private final Duration interval;
    private final Sleeper sleeper;
    private final Consumer<String> log;
    private final String threadName;
    private volatile boolean stopping;
    private Thread thread;

    public CuptiDecodeLoop(List<CuptiCollector> collectors, Duration interval, Sleeper sleeper, Consumer<String> log) {
        this(collectors, interval, sleeper, log, THREAD_NAME);
    }

    /** @param threadName the loop thread's name (the daemon runs one loop per GPU: "flopwatch-cupti-gpu0") */
    public CuptiDecodeLoop(List<CuptiCollector> collectors, Duration interval, Sleeper sleeper, Consumer<String> log,
            String threadName) {
        this.threadName = threadName;
        this.collectors = List.copyOf(collectors);
        this.interval = interval;
        this.sleeper = sleeper;
        this.log = log;
    }

    /** Real sleeping, for the daemon. */
    public static Sleeper threadSleep() {
        return d -> Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** One turn: every collector steps; one failing does not stop the others. */
    public void runOnce() {
        for (CuptiCollector c : collectors) {
            try {
                c.step();
            } catch (RuntimeException | Error e) {
                log.accept("CUPTI decode loop: unexpected " + e + " from GPU collector; continuing");
            }
        }
    }

    private void run() {
        while (!stopping) {
            runOnce();
            try {
                sleeper.sleep(interval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether the loop's thread is alive. */
    public synchronized boolean running() {
        return thread != null && thread.isAlive();
    }

    /** Waits, at most {@code timeout}, for the loop's thread to end; whether it has. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.join(Math.max(1, timeout.toMillis()));
        }
        return !running();
    }

    /** Signals the loop to end after its current turn (for a sleeper that ends a test run). */
    public void requestStop() {
        stopping = true;
    }

    /**
     * Stops the thread (waiting at most {@code 2 × interval + 5 s} for a step in progress), then
     * closes every collector, which releases the counters. A thread still stuck in a CUPTI call
     * after that holds its collector's lock: then nothing more is done here (the driver frees
     * the counters of an exiting process).
     */
    @Override
    public void close() {
        stopping = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(interval.multipliedBy(2).plusSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                // Stuck in a CUPTI call, holding its collector: closing it would wait for that call
                // forever. The driver releases the counters when the process exits.
                log.accept("CUPTI decode thread " + threadName + " is still in a CUPTI call; "
                        + "its counters are released when flopwatch exits");
                return;
            }
        }
        for (CuptiCollector c : collectors) {
            c.close();
        }
    }
}
