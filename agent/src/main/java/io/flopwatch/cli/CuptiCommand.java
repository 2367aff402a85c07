package io.flopwatch.cli;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.export.CuptiControl;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flopwatch cupti status|pause|resume}: the running agent's local CUPTI control
 * (docs/cupti.md). {@code pause} releases the GPUs' performance counters so Nsight Compute can
 * run, without stopping the daemon; {@code resume} takes them again.
 */
@Command(name = "cupti", mixinStandardHelpOptions = true,
        description = "Pause, resume or show the running agent's CUPTI PM sampling (local only).")
public final class CuptiCommand implements Callable<Integer> {

    enum Action { status, pause, resume }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACTION", description = "status, pause or resume")
    Action action;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The agent's config: its web.listen_address says where to connect.")
    Path config;

    @Option(names = "--url", paramLabel = "URL",
            description = "The agent's base URL (default: http://127.0.0.1:" + ConfigLoader.DEFAULT_PORT + ").")
    String url;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        URI endpoint = URI.create(base() + CuptiControl.PATH + (action == Action.status ? "" : "/" + action));
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30));
        if (action == Action.status) {
            request.GET();
        } else {
            request.POST(HttpRequest.BodyPublishers.noBody()).header(CuptiControl.HEADER, "1");
        }
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("flopwatch: cannot reach the agent at " + endpoint + ": " + e.getMessage());
            return ExitStatus.AGENT_UNREACHABLE.code();
        }
        if (response.statusCode() == 404 && !response.body().contains("\"error\"")) {
            err.println("flopwatch: the agent at " + base() + " has no CUPTI control (cupti.mode is off, or it is "
                    + "an older flopwatch)");
            return ExitStatus.AGENT_UNREACHABLE.code();
        }
        if (response.statusCode() / 100 != 2) {
            err.println("flopwatch: the agent answered " + response.statusCode() + ": " + response.body().strip());
            return ExitStatus.AGENT_UNREACHABLE.code();
        }
        out.print(response.body());
        out.flush();
        return ExitStatus.OK.code();
    }

    private String base() {
        if (url != null) {
            return url.replaceAll("/+$", "");
        }
        if (config != null) {
            AgentConfig.Web web = ConfigLoader.load(config).web();
            String host = web.host().equals("0.0.0.0") || web.host().equals("::") ? "127.0.0.1" : web.host();
            host = host.contains(":") ? "[" + host + "]" : host;
            return (web.tlsCertFile().isPresent() ? "https" : "http") + "://" + host + ":" + web.port();
        }
        return "http://127.0.0.1:" + ConfigLoader.DEFAULT_PORT;
    }
}
