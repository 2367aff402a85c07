package io.flopwatch.daemon;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.InputError;
import io.flopwatch.systemd.SystemdNotifier;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code flopwatch run} under a service manager: runs an {@link Agent}, tells systemd
 * {@code READY=1} after the first completed sampling cycle, feeds the watchdog only while cycles
 * keep completing ({@link WatchdogPolicy}), and reloads the configuration on request (SIGHUP):
 * a bad new configuration is logged as one located line and the running one stays in force; a
 * good one is applied to the running agent ({@link Agent#reload}: meters, Xid counts and the rate
 * windows of unchanged workloads carry on), unless it changes the collectors or the NVML library,
 * which needs a new agent.
 * docs/deploy-systemd.md describes the protocol.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    /** Builds an agent from a configuration (RunCommand passes the real one, tests a fake-free simulated one). */
    @FunctionalInterface
    public interface AgentFactory {
        Agent create(AgentConfig config) throws Exception;
    }

    private enum Request { STOP, RELOAD }

    private final AgentFactory factory;
    private final Supplier<AgentConfig> reloadConfig;
    private final SystemdNotifier notifier;
    private final Optional<Duration> watchdogTimeout;
    private final Ticker ticker;
    private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final AtomicLong lastCycleNanos = new AtomicLong();
    private final AtomicBoolean cycled = new AtomicBoolean();
    private volatile Agent agent;
    /** Set when shutdown begins: a cycle finishing during the close must not announce READY again. */
    private volatile boolean stopping;

    /**
     * @param reloadConfig    reads and validates the configuration again (throws {@link InputError})
     * @param watchdogTimeout systemd's WatchdogSec when it asked for pings ({@link WatchdogPolicy#watchdogTimeout})
     */
    public Daemon(AgentFactory factory, Supplier<AgentConfig> reloadConfig, SystemdNotifier notifier,
                  Optional<Duration> watchdogTimeout, Ticker ticker) {
        this.factory = factory;
        this.reloadConfig = reloadConfig;
        this.notifier = notifier;
        this.watchdogTimeout = watchdogTimeout;
        this.ticker = ticker;
    }

    /** Asks the running daemon to re-read its configuration (the SIGHUP handler calls this). */
    public void requestReload() {
        requests.add(Request.RELOAD);
    }

    /** Asks the running daemon to stop. */
    public void requestStop() {
        requests.add(Request.STOP);
    }

    /** The running agent (null before start). */
    public Agent agent() {
        return agent;
    }

    /**
     * Runs until {@link #requestStop()} or until {@code duration} has passed.
     *
     * @param started called with each agent once it is started (e.g. to print its URL)
     */
    public void run(AgentConfig config, Optional<Duration> duration, java.util.function.Consumer<Agent> started)
            throws Exception {
        Thread watchdog = startWatchdog(config.sampling().interval());
        long endNanos = duration.map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
        try {
            agent = start(config);
            started.accept(agent);
            while (true) {
                long waitNanos = endNanos - System.nanoTime();
                Request r = duration.isPresent() ? requests.poll(Math.max(0, waitNanos), TimeUnit.NANOSECONDS)
                        : requests.take();
                if (r == null || r == Request.STOP) {
                    break;
                }
                reload(started);
            }
        } finally {
            synchronized (this) {
                stopping = true;
                notifier.stopping();
            }
            if (watchdog != null) {
                watchdog.interrupt();
            }
            if (agent != null) {
                agent.close();
            }
        }
    }

    private Agent start(AgentConfig config) throws Exception {
        cycled.set(false);
        Agent a = factory.create(config);
        a.sampler().addListener(this::onCycle);
        a.start();
        return a;
    }

    private void onCycle(Snapshot s) {
        lastCycleNanos.set(ticker.nanoTime());
        if (cycled.compareAndSet(false, true)) {
            synchronized (this) {
                if (stopping) {
                    return;
                }
                // First complete cycle of this agent: there are numbers to scrape.
                notifier.ready();
                notifier.status(s.nvmlUp() ? "sampling " + s.gpus().size() + " GPU(s)"
                        : "NVML unavailable: " + s.nvmlReason());
            }
        }
    }

    private void reload(java.util.function.Consumer<Agent> started) throws Exception {
        notifier.reloading();
        AgentConfig next;
        try {
            next = reloadConfig.get();
        } catch (InputError e) {
            LOG.error("reload rejected, keeping the running configuration: {}", e.getMessage());
            notifier.status("reload rejected: " + e.summary()); // one line: STATUS= ends at a newline
            notifier.ready();
            return;
        }
        if (agent.reloadsInPlace(next)) {
            try {
                agent.reload(next);
            } catch (java.io.IOException | RuntimeException e) {
                // An InputError (a model spec that no longer resolves, a port taken) is the
                // user's; anything else is a bug, logged with its trace. Either way sampling goes on.
                String why = e instanceof InputError ie ? ie.summary()
                        : e instanceof java.io.IOException ? e.getMessage() : e.toString();
                if (e instanceof InputError) {
                    LOG.error("reload rejected, keeping the running configuration: {}", why);
                } else if (e instanceof java.io.IOException) {
                    LOG.error("reload partly applied: {}", why);
                } else {
                    LOG.error("reload failed, keeping the running configuration", e);
                }
                notifier.status("reload rejected: " + why);
                notifier.ready();
                return;
            }
            notifier.status("configuration reloaded");
            notifier.ready();
            return;
        }
        // Another NVML library or collector set: NVML must be reopened, so the agent is rebuilt
        // (its meters, Xid counts and rate windows restart; docs/deploy-systemd.md says so).
        LOG.info("reloading the configuration: new collectors or NVML library, restarting the agent");
        agent.close();
        agent = start(next);
        started.accept(agent);
    }

    private Thread startWatchdog(Duration samplingInterval) {
        if (watchdogTimeout.isEmpty()) {
            return null;
        }
        Duration timeout = watchdogTimeout.get();
        WatchdogPolicy policy = new WatchdogPolicy(timeout, WatchdogPolicy.stallAfterFor(samplingInterval, timeout),
                ticker);
        Thread t = new Thread(() -> {
            boolean stalledLogged = false;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(policy.pingInterval().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    OptionalLong last = cycled.get() ? OptionalLong.of(lastCycleNanos.get()) : OptionalLong.empty();
                    switch (policy.decide(last)) {
                        case PING -> {
                            notifier.watchdog();
                            stalledLogged = false;
                        }
                        case STALLED -> {
                            if (!stalledLogged) {
                                LOG.error("no sampling cycle completed for {} ms: not feeding the watchdog",
                                        policy.progressAge(last.getAsLong()).toMillis());
                                stalledLogged = true;
                            }
                        }
                        case NOT_STARTED -> {
                            // not ready yet: nothing to feed
                        }
                    }
                } catch (RuntimeException e) {
                    LOG.warn("watchdog check failed", e);
                }
            }
        }, "flopwatch-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
