package io.flopwatch.telemetry;

import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.NvmlException;
import io.flopwatch.nvml.NvmlSession;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the GPUs for the {@link Sampler} on a few reader threads ("lanes", named
 * "flopwatch-gpu-reader-N" in creation order) instead of one thread per GPU. On a virtualized
 * node each thread wake-up costs 100–250 µs of CPU whatever work follows, several times what a
 * hot collection of one GPU costs; a thread per GPU woke N threads a cycle (and the sampler once
 * per future it waited on). Here a cycle (a round) puts its GPUs in one queue and wakes one lane,
 * which takes them one after another; the sampler waits on one condition that the lane
 * completing the round's last GPU signals. Normal cycle: the sampler wakes at the tick, one lane
 * wakes, the sampler wakes once more when the round is done.
 *
 * <p>Slow GPUs do not serialize a node: while GPUs are still unclaimed after a step (see
 * {@link #step}), the sampler wakes more lanes that take from the same queue, as many as are
 * already working but never more than GPUs unclaimed. Hangs stay isolated: at the round's
 * deadline a lane still inside a call is retired, its GPU reported stale and not queued again
 * until that call returns (a later round waits for it until its deadline, as for any GPU, and
 * takes its record if it comes back in time); the retired lane then closes its own session and
 * ends. Lanes alive, retired ones included, never outnumber the GPUs: a hung GPU holds at most
 * one lane, and the others need at most one each.
 *
 * <p>Each lane opens its own NVML session on its own thread, lazily on its first GPU (NVML
 * counts initializations), and closes it on that thread when it ends: after {@link #closeLater}
 * (driver loss, shutdown) or after its retirement. A session per lane lets shutdown leave a hung
 * lane's session behind while closing the others; closing NVML under a call in progress is
 * undefined.
 *
 * <p>Claiming a GPU, completing it and retiring a lane happen under one lock, so a GPU is
 * claimed exactly once and a lane between two GPUs (holding none) is never retired.
 */
final class GpuLanes {
    private static final Logger LOG = LoggerFactory.getLogger(GpuLanes.class);
    private static final AtomicInteger LANE_NUMBERS = new AtomicInteger();
    /** The shortest step before another lane joins a round (see {@link #step}). */
    static final Duration MIN_STEP = Duration.ofMillis(2);

    /**
     * What one collection of one GPU gave.
     *
     * @param driverFailure          the driver-level NVML failure of the collection (see
     *                               {@link DriverLoss}), or null
     * @param allFailedAtDriverLevel whether every collector (or the open) failed at driver level
     */
    record Outcome(GpuRecord record, NvmlException driverFailure, boolean allFailedAtDriverLevel) {
    }

    private final int gpuCount;
    private final NvmlOpener opener;
    private final Map<String, Collector> collectors;
    private final Ticker ticker;
    /**
     * Read once per GPU and kept: a value, so any lane may reuse what another read. Written by a
     * lane before it completes the GPU under {@link #lock}; read by a lane after it claimed the
     * GPU under the same lock.
     */
    private final GpuIdentity[] identities;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the open round has no GPU left pending; the sampler waits on it. */
    private final Condition roundDone = lock.newCondition();
    // Guarded by lock:
    /** Per GPU: the retired lane still inside a call on it, or null. */
    private final Lane[] hungIn;
    /** Lanes waiting for a round; the last one to go idle is woken first (its caches are warm). */
    private final ArrayDeque<Lane> idle = new ArrayDeque<>();
    /** Every lane whose thread has not ended, retired ones included. */
    private final List<Lane> live = new ArrayList<>();
    private Round round;
    private boolean stopping;
    /** How many lanes worked on the last round that ended; for tests. */
    private int lanesInLastRound;

    GpuLanes(int gpuCount, NvmlOpener opener, Map<String, Collector> collectors, Ticker ticker) {
        this.gpuCount = gpuCount;
        this.opener = opener;
        this.collectors = collectors;
        this.ticker = ticker;
        this.identities = new GpuIdentity[gpuCount];
        this.hungIn = new Lane[gpuCount];
    }

    int gpuCount() {
        return gpuCount;
    }

    /**
     * How long a round runs before another lane joins while GPUs are still unclaimed: an eighth
     * of the cycle's deadline, at least {@link #MIN_STEP}, at most the deadline.
     *
     * <p>Why an eighth: a healthy GPU is read in well under a millisecond (the simulator's 8 GPUs
     * take about 0.5 ms together, hot), so at the default deadline (500 ms at 1 Hz) one lane
     * finishes a whole node long before the first step and no second lane is ever woken. When a
     * GPU is slow, the helper comes while 7/8 of the deadline is left for the GPUs behind it.
     * Lanes join in doublings (1, 2, 4, 8 at steps 1, 2, 3), so even a node where every GPU
     * takes half the deadline has a lane per GPU after 3/8 of it and finishes in time, as with a
     * thread per GPU. The floor keeps a lane's own wake-up latency on a busy node (a few
     * hundred microseconds to milliseconds) from waking helpers on healthy cycles when the
     * deadline is very short.
     */
    static Duration step(Duration deadline) {
        Duration s = deadline.dividedBy(8);
        if (s.compareTo(MIN_STEP) < 0) {
            s = MIN_STEP;
        }
        return s.compareTo(deadline) > 0 ? deadline : s;
    }

    /**
     * Collects every GPU once, waiting until {@code deadlineNanos} (System.nanoTime) at most.
     * Returns one outcome per GPU by index, null for a GPU that did not finish (still in a call,
     * or its collection failed unexpectedly). Called by the sampler's thread only.
     */
    Outcome[] collect(long deadlineNanos, Duration step) throws InterruptedException {
        lock.lock();
        Round r = new Round(gpuCount);
        try {
            for (int k = 0; k < gpuCount; k++) {
                if (hungIn[k] != null) {
                    r.awaitingHung[k] = true; // not queued again: its lane may still deliver
                } else {
                    r.queue[r.queued++] = k;
                }
            }
            round = r;
            if (r.queued > 0) {
                wake(r, 1);
            }
            long stepNanos = Math.max(1, step.toNanos());
            long nextStep = System.nanoTime() + stepNanos;
            while (r.pending > 0) {
                long now = System.nanoTime();
                if (now - deadlineNanos >= 0) {
                    break;
                }
                if (now - nextStep >= 0) {
                    int unclaimed = r.queued - r.next;
                    if (unclaimed > 0) {
                        wake(r, Math.min(unclaimed, Math.max(1, r.lanesWoken)));
                    }
                    // The queue only shrinks: once it is empty (only calls in flight or a hung GPU
                    // left) no lane could help, so the sampler sleeps until the deadline.
                    nextStep = r.next == r.queued ? deadlineNanos : now + stepNanos;
                }
                roundDone.awaitNanos(Math.min(deadlineNanos - now, nextStep - now));
            }
            return r.outcomes.clone();
        } finally {
            end(r);
            lock.unlock();
        }
    }

    /** Under the lock: closes the round and retires every lane still inside a call of it. */
    private void end(Round r) {
        r.closed = true;
        round = null;
        lanesInLastRound = r.lanesWoken;
        for (Lane l : live) {
            if (l.round == r && l.gpu >= 0 && !l.retired) {
                l.retired = true;
                hungIn[l.gpu] = l;
            }
        }
    }

    /** Under the lock: wakes up to {@code n} lanes for the round, idle ones first, new ones up to one per GPU. */
    private void wake(Round r, int n) {
        for (int i = 0; i < n && !stopping; i++) {
            Lane l = idle.pollLast();
            if (l == null) {
                if (live.size() >= gpuCount) {
                    // Every lane is hung or not back from an earlier round yet: the first of
                    // those to come back joins this round instead of going idle.
                    r.deficit += n - i;
                    return;
                }
                l = new Lane();
                live.add(l);
                l.assigned = r;
                l.thread.start();
            } else {
                l.assigned = r;
                l.wakeUp.signal();
            }
            r.lanesWoken++;
        }
    }

    /** How many lanes the last finished round woke; for tests. */
    int lanesInLastRound() {
        lock.lock();
        try {
            return lanesInLastRound;
        } finally {
            lock.unlock();
        }
    }

    /** Lane threads alive, retired ones included; for tests. */
    int liveLanes() {
        lock.lock();
        try {
            return live.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends every lane once any call in flight returns; each closes its session on its own
     * thread. Does not wait: used when the driver went away, where a call hung in the old driver
     * keeps only its lane.
     */
    void closeLater() {
        lock.lock();
        try {
            stopping = true;
            for (Lane l : live) {
                l.wakeUp.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #closeLater}, then waits up to {@code graceMillis} in all for the lanes to end.
     * Returns the GPUs whose lanes are still inside a call after the grace: their sessions are
     * left open.
     */
    List<Integer> close(long graceMillis) throws InterruptedException {
        closeLater();
        List<Lane> lanes;
        lock.lock();
        try {
            lanes = new ArrayList<>(live);
        } finally {
            lock.unlock();
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        List<Integer> stuck = new ArrayList<>();
        for (Lane l : lanes) {
            long left = until - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(l.thread, left);
            }
            if (l.thread.isAlive()) {
                lock.lock();
                try {
                    stuck.add(l.gpu);
                } finally {
                    lock.unlock();
                }
            }
        }
        return stuck;
    }

    /** One cycle's GPUs. Guarded by {@link #lock}. */
    private static final class Round {
        final int[] queue;
        int queued;
        /** The next queue position to claim. */
        int next;
        final Outcome[] outcomes;
        final boolean[] finished;
        /** GPUs held by a retired lane when the round began: not queued, but taken if they come back in time. */
        final boolean[] awaitingHung;
        int pending;
        int lanesWoken;
        /** Lanes the sampler asked for but could not have: none idle and one per GPU alive already. */
        int deficit;
        boolean closed;

        Round(int gpus) {
            queue = new int[gpus];
            outcomes = new Outcome[gpus];
            finished = new boolean[gpus];
            awaitingHung = new boolean[gpus];
            pending = gpus;
        }

        int claim(boolean stopping) {
            return closed || stopping || next == queued ? -1 : queue[next++];
        }
    }

    /** Under the lock: records a GPU's outcome in the round if the round still waits for it. */
    private void complete(Round r, int gpu, Outcome o) {
        if (r.closed || r.finished[gpu]) {
            return;
        }
        r.finished[gpu] = true;
        r.outcomes[gpu] = o;
        if (--r.pending == 0) {
            roundDone.signal();
        }
    }

    private final class Lane implements Runnable {
        final Thread thread;
        final Condition wakeUp = lock.newCondition();
        // Guarded by lock:
        /** The round the sampler handed this lane, not yet taken up. */
        Round assigned;
        /** The round this lane works on, or null while idle. */
        Round round;
        /** The GPU this lane is inside a collection of, or -1 between GPUs. */
        int gpu = -1;
        boolean retired;
        /** Touched only on this lane's thread. */
        private NvmlSession session;

        Lane() {
            thread = new Thread(this, "flopwatch-gpu-reader-" + LANE_NUMBERS.incrementAndGet());
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            int done = -1;
            Outcome outcome = null;
            try {
                while (true) {
                    int k;
                    lock.lock();
                    try {
                        if (done >= 0) {
                            gpu = -1;
                            if (retired) {
                                // Back from a call the sampler gave up on: a round that still waits
                                // for this GPU takes the record; then this lane ends.
                                hungIn[done] = null;
                                if (GpuLanes.this.round != null && GpuLanes.this.round.awaitingHung[done]) {
                                    complete(GpuLanes.this.round, done, outcome);
                                }
                                return;
                            }
                            complete(round, done, outcome);
                            done = -1;
                        }
                        k = round == null ? -1 : round.claim(stopping);
                        while (k < 0) {
                            round = null;
                            Round open = GpuLanes.this.round;
                            if (assigned == null && !stopping && open != null && open.deficit > 0 && open.next < open.queued) {
                                open.deficit--;
                                open.lanesWoken++;
                                assigned = open;
                            }
                            if (assigned == null) {
                                if (stopping) {
                                    return;
                                }
                                idle.addLast(this);
                                while (assigned == null && !stopping) {
                                    wakeUp.awaitUninterruptibly();
                                }
                                idle.remove(this);
                                if (assigned == null) {
                                    return; // stopping
                                }
                            }
                            round = assigned;
                            assigned = null;
                            k = round.claim(stopping);
                        }
                        gpu = k;
                    } finally {
                        lock.unlock();
                    }
                    outcome = collectSafely(k);
                    done = k;
                }
            } finally {
                lock.lock();
                try {
                    idle.remove(this);
                    round = null;
                } finally {
                    lock.unlock();
                }
                if (session != null) {
                    try {
                        session.close();
                    } catch (RuntimeException e) {
                        LOG.debug("closing a GPU reader's NVML session failed", e);
                    }
                }
                // Counted alive until its session is closed, so that no new lane outnumbers the GPUs meanwhile.
                lock.lock();
                try {
                    live.remove(this);
                } finally {
                    lock.unlock();
                }
            }
        }

        private Outcome collectSafely(int index) {
            try {
                return collectOne(index);
            } catch (RuntimeException | Error e) {
                // collectOne catches everything it expects; this is a bug, but one GPU's bug.
                LOG.warn("collection of GPU {} failed", index, e);
                return null;
            }
        }

        private Outcome collectOne(int index) {
            GpuRecord.Builder b = new GpuRecord.Builder(index);
            Map<String, GpuRecord.CollectorResult> results = new LinkedHashMap<>();
            try {
                if (session == null) {
                    session = opener.open();
                }
                if (identities[index] == null) {
                    identities[index] = session.identity(index);
                }
                b.identity(identities[index]);
            } catch (RuntimeException e) {
                NvmlException n = DriverLoss.driverLevel(e).orElse(null);
                return new Outcome(b.build(ticker.nanoTime(), false, "cannot open GPU " + index + ": " + e.getMessage(),
                        results), n, n != null);
            }
            NvmlException driverFailure = null;
            boolean anySuccess = collectors.isEmpty();
            boolean allDriverLevel = !collectors.isEmpty();
            String firstError = "";
            for (Map.Entry<String, Collector> c : collectors.entrySet()) {
                long t0 = ticker.nanoTime();
                try {
                    c.getValue().collect(session, index, b);
                    results.put(c.getKey(), new GpuRecord.CollectorResult((ticker.nanoTime() - t0) / 1e9, true, ""));
                    anySuccess = true;
                } catch (RuntimeException e) {
                    String why = c.getKey() + ": " + e.getMessage();
                    results.put(c.getKey(), new GpuRecord.CollectorResult((ticker.nanoTime() - t0) / 1e9, false, why));
                    if (firstError.isEmpty()) {
                        firstError = why;
                    }
                    var n = DriverLoss.driverLevel(e);
                    allDriverLevel &= n.isPresent();
                    if (n.isPresent() && (driverFailure == null || DriverLoss.libraryWide(n.get().returnCode()))) {
                        driverFailure = n.get();
                    }
                }
            }
            GpuRecord r = b.build(ticker.nanoTime(), anySuccess, anySuccess ? "" : firstError, results);
            return new Outcome(r, driverFailure, !anySuccess && allDriverLevel);
        }
    }
}
