package io.flopwatch.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.systemd.jna.DatagramReceiver;
import io.flopwatch.systemd.jna.NotifySocketSender;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notifications arrive, byte for byte, at a real datagram socket standing in for systemd's
 * {@code /run/systemd/notify}. Expected messages are the assignments of sd_notify(3).
 */
class SystemdNotifierTest {

    @TempDir
    Path dir;

    @Test
    void everyNotificationArrivesAsOneDatagramAtTheSocketInNotifySocket() throws IOException {
        String path = dir.resolve("notify").toString();
        try (DatagramReceiver systemd = new DatagramReceiver(NotifySocketAddress.parse(path))) {
            SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path));
            assertTrue(notifier.enabled());

            assertTrue(notifier.ready());
            assertEquals(Optional.of("READY=1"), systemd.poll());
            assertTrue(notifier.watchdog());
            assertEquals(Optional.of("WATCHDOG=1"), systemd.poll());
            assertTrue(notifier.status("sampling 8 GPUs\nevery 1 s"));
            assertEquals(Optional.of("STATUS=sampling 8 GPUs every 1 s"), systemd.poll());
            assertTrue(notifier.stopping());
            assertEquals(Optional.of("STOPPING=1"), systemd.poll());
            assertEquals(Optional.empty(), systemd.poll(), "one datagram per notification");
        }
    }

    @Test
    void reloadingCarriesTheMonotonicClockOfTheMomentItWasSent() throws IOException {
        String path = dir.resolve("notify").toString();
        try (DatagramReceiver systemd = new DatagramReceiver(NotifySocketAddress.parse(path))) {
            SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path));
            long before = NotifySocketSender.monotonicMicros();
            assertTrue(notifier.reloading());
            long after = NotifySocketSender.monotonicMicros();

            // sd_notify(3): "RELOADING=1 ... MONOTONIC_USEC=... the CLOCK_MONOTONIC timestamp
            // in µs at which the reload was initiated" (systemd 253+, Type=notify-reload).
            String message = systemd.poll().orElseThrow();
            Matcher m = Pattern.compile("RELOADING=1\nMONOTONIC_USEC=(\\d+)").matcher(message);
            assertTrue(m.matches(), message);
            long stamped = Long.parseLong(m.group(1));
            assertTrue(before <= stamped && stamped <= after, before + " <= " + stamped + " <= " + after);
        }
    }

    @Test
    void anAbstractNamespaceSocketIsReachedToo() {
        // The name is unique to this test run: abstract names live in the network namespace.
        String name = "@flopwatch-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (DatagramReceiver systemd = new DatagramReceiver(NotifySocketAddress.parse(name))) {
            SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name));
            assertTrue(notifier.ready());
            assertEquals(Optional.of("READY=1"), systemd.poll());
        }
    }

    @Test
    void withoutNotifySocketNothingIsSentAndNothingFails() {
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of());
        assertFalse(notifier.enabled());
        assertFalse(notifier.ready());
        assertFalse(notifier.watchdog());
        assertFalse(notifier.reloading());
        assertFalse(notifier.stopping());
        assertFalse(notifier.status("x"));
    }

    @Test
    void anUnusableNotifySocketDisablesTheNotifierInsteadOfFailingTheDaemon() {
        assertFalse(SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "vsock:2:1234")).enabled());
    }

    @Test
    void aSocketNobodyListensOnMakesTheCallReturnFalse() {
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment(
                Map.of("NOTIFY_SOCKET", dir.resolve("nobody-here").toString()));
        assertTrue(notifier.enabled());
        assertFalse(notifier.ready());
        assertFalse(notifier.watchdog(), "later failures are quiet but still reported by the result");
    }

    @Test
    void aFakeTransportSeesTheSameMessages() {
        List<String> sent = new ArrayList<>();
        SystemdNotifier notifier = SystemdNotifier.over(sent::add, () -> 1_234_567L);
        notifier.reloading();
        notifier.ready();
        assertEquals(List.of("RELOADING=1\nMONOTONIC_USEC=1234567", "READY=1"), sent);
    }
}
