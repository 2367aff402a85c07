package io.flopwatch.config;

import io.flopwatch.flops.Mode;
import io.flopwatch.flops.Recompute;
import io.flopwatch.gpu.Precision;
import io.flopwatch.telemetry.cupti.CuptiCollectorSettings;
import io.flopwatch.telemetry.cupti.CuptiMode;
import io.flopwatch.workload.LogFormat;
import io.flopwatch.workload.ParserSettings;
import io.flopwatch.workload.ThroughputScope;
import io.flopwatch.workload.RequestLengths;
import io.flopwatch.workload.TokenCounters;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The agent's configuration, as read from {@code flopwatch.yaml} by {@link ConfigLoader}. Every
 * key is documented in docs/configuration.md.
 */
public record AgentConfig(Web web, Sampling sampling, Analysis analysis, Exporters exporters, Push push,
                          List<WorkloadConfig> workloads, Cupti cupti, Attribution attribution) {

    public AgentConfig {
        workloads = List.copyOf(workloads);
    }

    /**
     * The HTTP endpoint, in the style of Prometheus exporters' web config.
     *
     * @param host               address to bind, e.g. 127.0.0.1 or 0.0.0.0
     * @param port               TCP port (0: any free port)
     * @param tlsCertFile        PEM certificate chain; TLS is on when present
     * @param tlsKeyFile         PEM private key (PKCS#8) for {@code tlsCertFile}
     * @param basicAuthUsers     user → password hash ("sha256:&lt;hex&gt;" or "plain:&lt;password&gt;"); empty: no auth
     */
    public record Web(String host, int port, Optional<Path> tlsCertFile, Optional<Path> tlsKeyFile,
                      Map<String, String> basicAuthUsers) {
        public Web {
            basicAuthUsers = Map.copyOf(basicAuthUsers);
        }
    }

    /**
     * @param interval     time between sampling cycles (≥ 100 ms when GPM is on: NVML's minimum)
     * @param deadline     how long a cycle waits for a GPU before reporting it stale
     * @param collectors   enabled collector names
     * @param nvmlLibrary  NVML library file to load instead of the system's
     * @param simulate     a simulator scenario to play instead of real GPUs ("demo": the shipped one)
     */
    public record Sampling(Duration interval, Duration deadline, Set<String> collectors, Optional<Path> nvmlLibrary,
                           Optional<String> simulate) {
        public Sampling {
            collectors = Set.copyOf(collectors);
        }
    }

    /** @param defaultPrecision the precision of GPU peaks for GPUs no workload claims */
    public record Analysis(Precision defaultPrecision, Optional<Path> gpuCatalog) {
    }

    public record Exporters(boolean prometheus, Log log, Otlp otlp) {
    }

    /**
     * @param format       {@code json} (one JSON object per line) or {@code human} (compact text)
     * @param file         write to this file (rotated) instead of stdout
     * @param maxSizeBytes rotate the file when it would grow past this
     * @param keepFiles    rotated files to keep (file.1 … file.N)
     * @param every        write one line every this many sampling intervals
     */
    public record Log(boolean enabled, String format, Optional<Path> file, long maxSizeBytes, int keepFiles,
                      int every) {
    }

    /** @param url OTLP/HTTP metrics endpoint, e.g. http://127.0.0.1:4318/v1/metrics */
    public record Otlp(boolean enabled, String url, Duration step, Map<String, String> headers) {
        public Otlp {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * The push endpoint through which a workload reports its tokens.
     *
     * @param path         URL path of the endpoint on the web server
     * @param maxBodyBytes larger bodies are refused (413)
     * @param allowRemote  accept pushes from other hosts (default: loopback clients only)
     * @param bearerToken  when present, a push must carry {@code Authorization: Bearer <token>}
     *                     (and basic auth, if on, is not asked for on this path)
     */
    public record Push(boolean enabled, String path, int maxBodyBytes, boolean allowRemote,
                       Optional<BearerToken> bearerToken) {
        public Push(boolean enabled, String path, int maxBodyBytes, boolean allowRemote) {
            this(enabled, path, maxBodyBytes, allowRemote, Optional.empty());
        }
    }

    /**
     * One workload on this node.
     *
     * @param model        any spec the FLOPs engine accepts (preset id, config.json, YAML)
     * @param seqLenTokens sequence length T
     * @param gpus         the GPUs it runs on
     * @param throughput   where its tokens/s come from
     */
    public record WorkloadConfig(String name, String model, Mode mode, long seqLenTokens, Precision precision,
                                 Recompute recompute, GpuSelection gpus, Throughput throughput) {
    }

    /** Which GPUs a workload runs on: all, a list (indexes or UUIDs), those running a process, or its log's writers'. */
    public sealed interface GpuSelection {
        record All() implements GpuSelection {
        }

        /** NVML indexes and/or UUIDs. */
        record Listed(List<String> ids) implements GpuSelection {
            public Listed {
                ids = List.copyOf(ids);
            }
        }

        /** GPUs holding a compute process whose command name (/proc/PID/comm) equals {@code name}. */
        record ByProcess(String name) implements GpuSelection {
        }

        /**
         * GPUs holding a compute process whose command line (/proc/PID/cmdline, arguments joined
         * by spaces) contains a match of the regular expression {@code regex}.
         */
        record ByCommandLine(String regex) implements GpuSelection {
        }

        /**
         * {@code {log_writer: true}}: the GPUs of the processes writing the workload's tailed log
         * and of their process groups (io.flopwatch.daemon.LogWriterProcesses); {@code source: log} only.
         */
        record ByLogWriter() implements GpuSelection {
        }
    }

    /**
     * Where a workload's throughput comes from. {@code fixed}: a known tokens/s (demo, tests);
     * {@code push}: posted to the push endpoint; {@code log}: tailed from the workload's own log
     * ({@link LogSource}); {@code metrics}: scraped from an inference server's Prometheus
     * endpoint ({@link MetricsSource}). docs/throughput.md.
     *
     * @param window smoothing window of tokens/s
     * @param log    present exactly when {@code source} is {@code log}
     * @param metrics present exactly when {@code source} is {@code metrics}
     */
    public record Throughput(String source, OptionalDouble tokensPerSecond, Duration window, Optional<LogSource> log,
                             Optional<MetricsSource> metrics) {
        public Throughput(String source, OptionalDouble tokensPerSecond, Duration window) {
            this(source, tokensPerSecond, window, Optional.empty(), Optional.empty());
        }
    }

    /**
     * {@code source: log}: lines of the workload's own log, read with a preset {@code format} or a
     * custom {@code pattern} (exactly one of the two).
     *
     * @param paths         files or globs in the file-name part
     * @param format        a preset, when no pattern
     * @param pattern       a custom regular expression with named groups, when no format
     * @param tokensPerStep tokens per optimizer step of the whole job, for formats/patterns reporting steps
     * @param seqLenTokens  tokens per sample, for formats/patterns reporting samples
     * @param startAtEnd    {@code start_at: end} (default): skip what the files hold at start
     * @param scope         whose work a custom pattern's numbers count (presets carry their own)
     * @param jobGpus       the job's world size, for readings in job scope; empty: the workload's
     *                      GPUs on this node (a single-node job)
     */
    public record LogSource(List<String> paths, Optional<LogFormat> format, Optional<String> pattern,
                            OptionalLong tokensPerStep, OptionalLong seqLenTokens, boolean startAtEnd,
                            ThroughputScope scope, OptionalInt jobGpus) {
        public LogSource {
            paths = List.copyOf(paths);
        }

        public ParserSettings parserSettings() {
            return new ParserSettings(tokensPerStep, seqLenTokens);
        }
    }

    /**
     * {@code source: metrics}: token counters of an inference server's Prometheus endpoint.
     *
     * @param url      the endpoint, e.g. http://127.0.0.1:8000/metrics
     * @param server   vllm, sglang, tgi or custom
     * @param counters the counters followed (only the phases asked for)
     * @param labels   only series whose labels include these
     * @param interval time between fetches
     * @param jobGpus  GPUs the server spans (its counters cover all of them); empty: the
     *                 workload's GPUs on this node
     * @param lengths  the server's request-length histograms (prefill/decode FLOPs from their means)
     */
    public record MetricsSource(URI url, String server, TokenCounters counters, Map<String, String> labels,
                                Duration interval, OptionalInt jobGpus, RequestLengths lengths) {
        public MetricsSource {
            labels = Map.copyOf(labels);
        }

        /** Without request-length histograms (FLOPs per token from {@code seq_len} alone). */
        public MetricsSource(URI url, String server, TokenCounters counters, Map<String, String> labels,
                             Duration interval, OptionalInt jobGpus) {
            this(url, server, counters, labels, interval, jobGpus, RequestLengths.NONE);
        }
    }

    /**
     * The CUPTI PM sampling collector (docs/cupti.md): the activity counters of GPUs without NVML
     * GPM, or finer-grained ones.
     *
     * @param mode               off (default), auto (GPUs without GPM, where permission allows), on (every GPU)
     * @param samplingInterval   the GPU's sampling interval, at least 10 ms
     * @param decodeInterval     how often the decode thread empties the hardware buffer (≥ samplingInterval)
     * @param library            libcupti to load instead of searching the usual places
     * @param cudaDriverLibrary  libcuda to load instead of the driver's {@code libcuda.so.1}
     * @param retryInterval      first wait before retrying a condition that may clear (doubles up to 16×)
     * @param hardwareBufferBytes the PM sampling hardware buffer
     */
    public record Cupti(CuptiMode mode, Duration samplingInterval, Duration decodeInterval, Optional<Path> library,
                        Optional<Path> cudaDriverLibrary, Duration retryInterval, long hardwareBufferBytes) {

        /** The collector's settings; SYSCLK assumed 1 GHz (docs/cupti.md, "SYSCLK"). */
        public CuptiCollectorSettings collectorSettings() {
            return new CuptiCollectorSettings(samplingInterval, decodeInterval, hardwareBufferBytes, retryInterval,
                    CuptiCollectorSettings.defaults().assumedSysclkHertz());
        }
    }

    /**
     * Process and job attribution (docs/attribution.md).
     *
     * @param enabled                 read /proc and the kubelet's log names; off: processes carry only NVML's values
     * @param procRoot                the host's /proc (another path when it is mounted elsewhere)
     * @param passwdFile              the host's passwd(5) file, for user names
     * @param kubernetesPodLogs       the kubelet's /var/log/pods (pod namespace and name by UID)
     * @param kubernetesContainerLogs the kubelet's /var/log/containers (container name by id)
     * @param hpcJobMappingDir        dcgm-exporter's HPC job mapping directory; empty: not read
     * @param maxProcessesPerGpu      processes exported one by one per GPU (most memory first); the rest are counted
     * @param commandMaxChars         the {@code command} label's length limit
     * @param readEnvironment         read SLURM_JOB_ID from /proc/PID/environ when the cgroup path has no job
     */
    public record Attribution(boolean enabled, Path procRoot, Optional<Path> passwdFile,
                              Optional<Path> kubernetesPodLogs, Optional<Path> kubernetesContainerLogs,
                              Optional<Path> hpcJobMappingDir, int maxProcessesPerGpu, int commandMaxChars,
                              boolean readEnvironment) {
        public static final int DEFAULT_MAX_PROCESSES_PER_GPU = 16;
        public static final int DEFAULT_COMMAND_MAX_CHARS = 64;
        /** The defaults of docs/configuration.md. */
        public static final Attribution DEFAULTS = new Attribution(true, Path.of("/proc"),
                Optional.of(Path.of("/etc/passwd")), Optional.of(Path.of("/var/log/pods")),
                Optional.of(Path.of("/var/log/containers")), Optional.empty(), DEFAULT_MAX_PROCESSES_PER_GPU,
                DEFAULT_COMMAND_MAX_CHARS, true);
        /** The same limits, nothing read from the host (/proc, passwd, kubelet logs, job mapping). */
        public Attribution withoutHost() {
            return new Attribution(false, procRoot, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), maxProcessesPerGpu, commandMaxChars, false);
        }

        /** Nothing read beyond NVML. */
        public static final Attribution DISABLED = new Attribution(false, Path.of("/proc"), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), DEFAULT_MAX_PROCESSES_PER_GPU,
                DEFAULT_COMMAND_MAX_CHARS, false);
    }
}
