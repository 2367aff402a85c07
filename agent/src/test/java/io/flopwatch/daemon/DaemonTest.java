package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.systemd.SystemdNotifier;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The daemon's side of docs/deploy-systemd.md, with a recording notifier: READY=1 after the first
 * cycle, WATCHDOG=1 while cycles complete, a rejected reload keeps the agent and says so, a good
 * reload is applied in place (a new collector set replaces the agent), STOPPING=1 at the end. Real time, bounded polling, asserts on messages only.
 */
class DaemonTest {

    @Test
    void readinessWatchdogReloadAndStop() throws Exception {
        Path scenario = Path.of(getClass().getClassLoader().getResource("scenarios/golden-2x-h100.scenario").toURI());
        List<String> sent = new CopyOnWriteArrayList<>();
        SystemdNotifier notifier = SystemdNotifier.over(sent::add, () -> 42L);
        AgentConfig first = ConfigLoader.parse("first", "web: {listen_address: \"127.0.0.1:0\"}\nsampling: {interval: 200ms}\n");
        AtomicReference<String> next = new AtomicReference<>("sampling: {intervall: 1s}\n");
        Daemon daemon = new Daemon(c -> new Agent(c, NvmlSource.simulated(scenario)::open, Ticker.system(),
                new PrintWriter(new StringWriter()), "test"),
                () -> ConfigLoader.parse("flopwatch.yaml", next.get()), notifier, Optional.of(Duration.ofMillis(400)),
                Ticker.system());
        List<Agent> started = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                daemon.run(first, Optional.empty(), started::add);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        try {
            await(sent, s -> s.contains("READY=1"));
            await(sent, s -> s.contains("WATCHDOG=1"));

            daemon.requestReload(); // a config with an unknown key: rejected, agent kept
            await(sent, s -> s.startsWith("STATUS=reload rejected: flopwatch.yaml:1:"));
            assertEquals(1, started.size());

            next.set("web: {listen_address: \"127.0.0.1:0\"}\nsampling: {interval: 300ms}\n");
            daemon.requestReload(); // a good one: applied to the running agent
            await(sent, s -> s.equals("STATUS=configuration reloaded"));
            assertEquals(1, started.size(), "a reload that keeps collectors and library keeps the agent");
            assertEquals(Duration.ofMillis(300), daemon.agent().sampler().interval());
            assertTrue(sent.stream().anyMatch(s -> s.startsWith("RELOADING=1\nMONOTONIC_USEC=42")));

            next.set("web: {listen_address: \"127.0.0.1:0\"}\nsampling: {interval: 300ms, collectors: [device]}\n");
            daemon.requestReload(); // another collector set: NVML is reopened by a new agent
            long giveUp = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (started.size() < 2 && System.nanoTime() < giveUp) {
                Thread.sleep(20);
            }
            assertEquals(2, started.size(), "a new collector set starts a new agent");
        } finally {
            daemon.requestStop();
            t.join(15_000);
        }
        assertEquals(null, failure.get());
        assertTrue(sent.get(sent.size() - 1).equals("STOPPING=1"), sent.toString());
    }

    static void await(List<String> sent, Predicate<String> message) throws InterruptedException {
        long giveUp = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < giveUp) {
            if (sent.stream().anyMatch(message)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not sent within 15 s; sent: " + sent);
    }
}
