package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * One simulated GPU hangs (agent/src/test/resources/scenarios/hang-3x-h100.scenario: every
 * utilization read on GPU 1 blocks from t = 1.5 s to t = 4 s): /metrics still answers, GPU 1
 * goes stale (up 0, its sample age grows), GPUs 0 and 2 keep updating, and GPU 1 recovers by
 * itself when the call returns; the Xid event of GPU 2 is counted. Runs on real time (the hang is real), bounded by polling with
 * limits; it asserts on states, never on durations.
 */
class AgentFaultTest {

    static final Duration LIMIT = Duration.ofSeconds(15);

    @Test
    void aHungGpuGoesStaleWhileTheOthersKeepUpdatingAndThenRecovers() throws Exception {
        Path scenario = Path.of(getClass().getClassLoader().getResource("scenarios/hang-3x-h100.scenario").toURI());
        AgentConfig config = ConfigLoader.parse("fault-test", """
                web: {listen_address: "127.0.0.1:0"}
                sampling: {interval: 200ms, deadline: 100ms}
                """);
        NvmlSource source = NvmlSource.simulated(scenario);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (Agent agent = new Agent(config, source::open, Ticker.system(), new PrintWriter(new StringWriter()), "test")) {
            agent.start();
            Snapshot up = await(agent, s -> s.gpus().size() == 3 && s.gpus().stream().allMatch(GpuRecord::up));

            Snapshot stale = await(agent, s -> !gpu(s, 1).up());
            assertTrue(gpu(stale, 0).up() && gpu(stale, 2).up(), "only GPU 1 is stale");

            // /metrics answers while GPU 1 is in a hung call, and says GPU 1 is down.
            HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(agent.metricsUrl().orElseThrow()))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.body().contains("flopwatch_up 1.0"));

            // While GPU 1 stays stale, GPUs 0 and 2 are read again and GPU 1's sample age grows.
            Snapshot later = await(agent, s -> !gpu(s, 1).up()
                    && gpu(s, 0).sampledAtNanos() > gpu(stale, 0).sampledAtNanos()
                    && gpu(s, 2).sampledAtNanos() > gpu(stale, 2).sampledAtNanos());
            assertTrue(later.sampleAgeSeconds(gpu(later, 1)) > stale.sampleAgeSeconds(gpu(stale, 1)),
                    "the stale GPU's sample age grows");
            assertEquals(gpu(stale, 1).sampledAtNanos(), gpu(later, 1).sampledAtNanos(), "no new values from GPU 1");

            // The call returns when the hang window ends; GPU 1 comes back without intervention.
            Snapshot recovered = await(agent, s -> gpu(s, 1).up()
                    && gpu(s, 1).sampledAtNanos() > gpu(stale, 1).sampledAtNanos());
            assertTrue(recovered.gpus().stream().allMatch(GpuRecord::up));
            assertTrue(up.nvmlUp());

            // The Xid thread saw GPU 2's event; the others have none.
            Snapshot xid = await(agent, s -> gpu(s, 2).xidErrors() == 1);
            assertEquals(79, gpu(xid, 2).lastXid());
            assertEquals(0, gpu(xid, 0).xidErrors());
        }
    }

    static GpuRecord gpu(Snapshot s, int index) {
        return s.gpu(index).orElseThrow();
    }

    /** Polls the agent's snapshots until one satisfies {@code condition}, failing after {@link #LIMIT}. */
    static Snapshot await(Agent agent, Predicate<Snapshot> condition) throws InterruptedException {
        long giveUp = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < giveUp) {
            Snapshot s = agent.latest();
            if (s.nvmlUp() && condition.test(s)) {
                return s;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not reached within " + LIMIT.toSeconds() + " s; last snapshot: "
                + agent.latest().gpus().stream().map(g -> g.index() + (g.up() ? " up" : " down: " + g.reason())).toList());
    }
}
