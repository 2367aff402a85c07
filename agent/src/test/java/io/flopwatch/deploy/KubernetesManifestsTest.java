package io.flopwatch.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The invariants of deploy/kubernetes that a typo would silently break: the ConfigMap's config
 * loads, one port everywhere (container, probes, scrape annotation, config), every host path
 * mounted read-only, the attribution paths are where the mounts put the host's files, and the
 * pod runs unprivileged.
 */
class KubernetesManifestsTest {
    static final Path DIR = Path.of(System.getProperty("user.dir")).resolve("../deploy/kubernetes").normalize();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Map<String, JsonNode> byKind = new HashMap<>();
    static JsonNode pod;
    static JsonNode container;
    static AgentConfig config;

    @BeforeAll
    static void load() throws IOException {
        for (String f : List.of("namespace.yaml", "serviceaccount.yaml", "configmap.yaml", "daemonset.yaml")) {
            JsonNode doc = YAML.readTree(DIR.resolve(f).toFile());
            byKind.put(doc.get("kind").asText(), doc);
        }
        pod = byKind.get("DaemonSet").at("/spec/template/spec");
        container = pod.at("/containers/0");
        String yaml = byKind.get("ConfigMap").at("/data/flopwatch.yaml").asText();
        config = ConfigLoader.parse("deploy/kubernetes/configmap.yaml", yaml);
    }

    @Test
    void everyObjectInTheOneNamespace() {
        String ns = byKind.get("Namespace").at("/metadata/name").asText();
        for (String kind : List.of("ServiceAccount", "ConfigMap", "DaemonSet")) {
            assertEquals(ns, byKind.get(kind).at("/metadata/namespace").asText(), kind);
        }
        assertEquals(byKind.get("ServiceAccount").at("/metadata/name").asText(), pod.get("serviceAccountName").asText());
        assertEquals(byKind.get("DaemonSet").at("/spec/selector/matchLabels"),
                byKind.get("DaemonSet").at("/spec/template/metadata/labels"));
    }

    @Test
    void onePortEverywhere() {
        int port = container.at("/ports/0/containerPort").asInt();
        assertEquals(port, config.web().port(), "the config's listen_address");
        assertEquals("0.0.0.0", config.web().host(), "reachable from the node's network, not only loopback");
        assertEquals(port, container.at("/readinessProbe/httpGet/port").asInt());
        assertEquals(port, container.at("/livenessProbe/httpGet/port").asInt());
        JsonNode annotations = byKind.get("DaemonSet").at("/spec/template/metadata/annotations");
        assertEquals(Integer.toString(port), annotations.get("prometheus.io/port").asText());
        assertEquals("/metrics", annotations.get("prometheus.io/path").asText());
        assertEquals("/metrics", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/metrics", container.at("/livenessProbe/httpGet/path").asText());
        assertTrue(config.exporters().prometheus());
    }

    @Test
    void hostPathsAreMountedReadOnlyAndOnlyTmpIsWritable() {
        Map<String, JsonNode> volumes = new HashMap<>();
        pod.get("volumes").forEach(v -> volumes.put(v.get("name").asText(), v));
        for (JsonNode m : container.get("volumeMounts")) {
            JsonNode v = volumes.get(m.get("name").asText());
            boolean writable = !m.path("readOnly").asBoolean(false);
            if (writable) {
                assertTrue(v.has("emptyDir"), m + " is writable but not an emptyDir");
            }
            if (v.has("hostPath")) {
                assertFalse(writable, m + " mounts a host path writable");
            }
        }
        assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean());
    }

    @Test
    void attributionReadsWhereTheMountsPutTheHost() {
        Set<String> mounted = new HashSet<>();
        container.get("volumeMounts").forEach(m -> mounted.add(m.get("mountPath").asText()));
        AgentConfig.Attribution a = config.attribution();
        assertTrue(a.enabled());
        assertTrue(pod.get("hostPID").asBoolean(), "NVML's PIDs are the host's: /proc must be the host's");
        assertEquals(Path.of("/proc"), a.procRoot());
        for (Path p : List.of(a.passwdFile().orElseThrow(), a.kubernetesPodLogs().orElseThrow(),
                a.kubernetesContainerLogs().orElseThrow())) {
            assertTrue(mounted.contains(p.toString()), p + " is not a mount path: " + mounted);
        }
        String configMount = container.get("volumeMounts").get(0).get("mountPath").asText();
        List<String> args = new ArrayList<>();
        container.get("args").forEach(x -> args.add(x.asText()));
        assertEquals(configMount + "/flopwatch.yaml", args.get(args.indexOf("--config") + 1));
    }

    @Test
    void unprivilegedOnGpuNodes() {
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertTrue(pod.at("/securityContext/runAsUser").asInt() > 0);
        assertFalse(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertEquals("ALL", container.at("/securityContext/capabilities/drop/0").asText());
        assertFalse(container.at("/securityContext/privileged").asBoolean(false));
        assertEquals("nvidia", pod.get("runtimeClassName").asText());
        assertTrue(pod.get("nodeSelector").size() > 0);
        Map<String, String> env = new HashMap<>();
        container.get("env").forEach(e -> env.put(e.get("name").asText(), e.get("value").asText()));
        assertEquals("all", env.get("NVIDIA_VISIBLE_DEVICES"));
        assertFalse(container.at("/resources/limits").isMissingNode(), "limits set");
        assertTrue(container.at("/resources/limits/nvidia.com~1gpu").isMissingNode(),
                "requests no GPU: a monitor must not take GPUs from the device plugin's pods");
        assertFalse(pod.path("automountServiceAccountToken").asBoolean(true), "calls no API");
    }

    @Test
    void scrapeConfigUsesTheAnnotations() throws IOException {
        JsonNode job = YAML.readTree(DIR.resolve("prometheus-scrape-config.yaml").toFile()).at("/scrape_configs/0");
        assertEquals("pod", job.at("/kubernetes_sd_configs/0/role").asText());
        assertEquals(byKind.get("Namespace").at("/metadata/name").asText(),
                job.at("/kubernetes_sd_configs/0/namespaces/names/0").asText());
        String labels = job.get("relabel_configs").toString();
        assertTrue(labels.contains("__meta_kubernetes_pod_annotation_prometheus_io_port"), labels);
        assertTrue(labels.contains("__meta_kubernetes_pod_annotation_prometheus_io_scrape"), labels);
    }

    @Test
    void dockerfileRunsTheSameConfigPathAsNonRoot() throws IOException {
        String dockerfile = Files.readString(DIR.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("USER 65534"), "non-root, the uid the DaemonSet runs as");
        assertTrue(dockerfile.contains("EXPOSE " + container.at("/ports/0/containerPort").asInt()));
        assertTrue(dockerfile.contains("-Djna.tmpdir=/tmp"), "JNA unpacks into the writable emptyDir");
    }

    /**
     * The image runs the JVM directly, not through ./flopwatch: every flag of the launcher's
     * jvm_flags block (docs/BENCHMARKS.md, sections 2 and 5) must be in its ENTRYPOINT and in the
     * run that makes its class-data archive (an archive made with other flags may be refused).
     * -XX:+IgnoreUnrecognizedVMOptions is the launcher's alone: the image's JVM is known.
     */
    @Test
    void dockerfileUsesTheLaunchersJvmFlags() throws IOException {
        String launcher = Files.readString(DIR.resolve("../../flopwatch").normalize());
        int from = launcher.indexOf("\njvm_flags=(");
        int to = launcher.indexOf("\n)", from);
        assertTrue(from >= 0 && to > from, "no jvm_flags=( ... ) block in ./flopwatch");
        List<String> flags = new ArrayList<>();
        for (String word : launcher.substring(from + "\njvm_flags=(".length(), to).trim().split("\\s+")) {
            if (!word.equals("-XX:+IgnoreUnrecognizedVMOptions")) {
                flags.add(word);
            }
        }
        assertTrue(flags.size() >= 10, "launcher flags: " + flags);
        String dockerfile = Files.readString(DIR.resolve("Dockerfile"));
        String entrypoint = dockerfile.substring(dockerfile.indexOf("ENTRYPOINT"));
        String archiveRun = dockerfile.substring(dockerfile.indexOf("RUN java"), dockerfile.indexOf("ArchiveClassesAtExit"));
        for (String flag : flags) {
            assertTrue(entrypoint.contains("\"" + flag + "\""), "ENTRYPOINT lacks " + flag);
            assertTrue(archiveRun.contains(flag + " "), "the archive's RUN lacks " + flag);
        }
    }

    /** kubectl kustomize (offline) renders the kustomization: every file it names exists and parses. */
    @Test
    void kustomizeRenders() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is not installed");
        Process p = new ProcessBuilder("kubectl", "kustomize", DIR.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "kubectl kustomize did not finish");
        assertEquals(0, p.exitValue(), out);
        List<JsonNode> docs = YAML.readValues(YAML.getFactory().createParser(out), JsonNode.class).readAll();
        assertEquals(4, docs.size(), out);
    }
}
