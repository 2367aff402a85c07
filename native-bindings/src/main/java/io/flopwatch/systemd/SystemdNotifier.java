package io.flopwatch.systemd;

import io.flopwatch.systemd.jna.NotifySocketSender;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the daemon is doing, over the {@code $NOTIFY_SOCKET} protocol of
 * sd_notify(3): readiness, watchdog keep-alives, reloads, shutdown and a status line.
 * Outside systemd ({@code NOTIFY_SOCKET} unset) every call does nothing and returns false,
 * so the daemon calls it unconditionally.
 *
 * <p>A notification that cannot be delivered is not an error of the daemon: it is logged
 * (the first failure at WARN, later ones at DEBUG) and the call returns false. Thread-safe.
 */
public final class SystemdNotifier {

    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

    /** One datagram to the service manager. */
    @FunctionalInterface
    public interface Transport {
        void send(String message) throws IOException;
    }

    /** {@code CLOCK_MONOTONIC} in microseconds (the clock systemd compares reload times in). */
    @FunctionalInterface
    public interface MonotonicClock {
        long micros() throws IOException;
    }

    private static final SystemdNotifier DISABLED = new SystemdNotifier(null, () -> 0L, "disabled");

    private final Transport transport;
    private final MonotonicClock clock;
    private final String description;
    private final AtomicBoolean warned = new AtomicBoolean();

    private SystemdNotifier(Transport transport, MonotonicClock clock, String description) {
        this.transport = transport;
        this.clock = clock;
        this.description = description;
    }

    /** From this process's environment: see {@link #fromEnvironment(Map)}. */
    public static SystemdNotifier fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * A notifier for {@code NOTIFY_SOCKET} in {@code env}; disabled when it is unset, and
     * (with a warning) when it holds an address this notifier cannot use.
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> env) {
        String value = env.get("NOTIFY_SOCKET");
        if (value == null) {
            return DISABLED;
        }
        try {
            return toSocket(NotifySocketAddress.parse(value));
        } catch (IllegalArgumentException e) {
            LOG.warn("not notifying systemd: {}", e.getMessage());
            return DISABLED;
        }
    }

    /** A notifier sending datagrams to {@code address}. */
    public static SystemdNotifier toSocket(NotifySocketAddress address) {
        Objects.requireNonNull(address, "address");
        return new SystemdNotifier(message -> NotifySocketSender.send(address, message),
                NotifySocketSender::monotonicMicros, address.toString());
    }

    /** A notifier over any transport (tests hand in a recording fake). */
    public static SystemdNotifier over(Transport transport, MonotonicClock clock) {
        return new SystemdNotifier(Objects.requireNonNull(transport, "transport"),
                Objects.requireNonNull(clock, "clock"), "custom transport");
    }

    /** The notifier that sends nothing. */
    public static SystemdNotifier disabled() {
        return DISABLED;
    }

    /** Whether notifications go anywhere (false outside systemd). */
    public boolean enabled() {
        return transport != null;
    }

    /** {@code READY=1}: start-up (or a reload) is complete. Call after the first sample. */
    public boolean ready() {
        return send("READY=1");
    }

    /** {@code WATCHDOG=1}: a keep-alive. Call only while the sampler makes progress. */
    public boolean watchdog() {
        return send("WATCHDOG=1");
    }

    /**
     * {@code RELOADING=1} with {@code MONOTONIC_USEC=} (CLOCK_MONOTONIC now, in µs): a
     * configuration reload began; finish it with {@link #ready()}. systemd 253+ matches the
     * timestamp against the reload request (Type=notify-reload); older ones ignore it.
     */
    public boolean reloading() {
        if (!enabled()) {
            return false;
        }
        long micros;
        try {
            micros = clock.micros();
        } catch (IOException e) {
            failed("RELOADING=1", e);
            return false;
        }
        return send("RELOADING=1\nMONOTONIC_USEC=" + micros);
    }

    /** {@code STOPPING=1}: shutdown began. */
    public boolean stopping() {
        return send("STOPPING=1");
    }

    /**
     * {@code STATUS=…}: one line for {@code systemctl status}. Line breaks become spaces: a
     * newline would start another assignment of the protocol.
     */
    public boolean status(String text) {
        return send("STATUS=" + text.replaceAll("[\\r\\n]+", " "));
    }

    private boolean send(String message) {
        if (!enabled()) {
            return false;
        }
        try {
            transport.send(message);
            return true;
        } catch (IOException | RuntimeException e) {
            failed(message, e);
            return false;
        }
    }

    private void failed(String message, Exception e) {
        String first = message.lines().findFirst().orElse(message);
        if (warned.compareAndSet(false, true)) {
            LOG.warn("cannot notify systemd ({}) of {}: {} (further failures at DEBUG)", description, first,
                    e.getMessage());
        } else {
            LOG.debug("cannot notify systemd ({}) of {}: {}", description, first, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "SystemdNotifier[" + description + "]";
    }
}
