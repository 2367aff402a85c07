package io.flopwatch.attribution;

import io.flopwatch.telemetry.Ticker;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pod namespaces and names, and container names, from the names of the files the kubelet writes
 * container logs to. The cgroup path gives only the pod UID and the container id; these names are
 * local files on every node, need no API access (no token, no RBAC) and are what log shippers
 * already rely on:
 * <ul>
 * <li>{@code /var/log/pods/<namespace>_<pod name>_<pod UID>/} (kubelet, one directory per pod);</li>
 * <li>{@code /var/log/containers/<pod name>_<namespace>_<container name>-<container id>.log}
 *     (symlinks the kubelet keeps into the former).</li>
 * </ul>
 * Namespace, pod and container names are DNS labels or subdomains and cannot hold '_', so the
 * split is unambiguous. Only directory entries are listed; the links are never followed.
 *
 * <p>The listings are cached and re-read when a lookup misses, at most once per
 * {@code minRefresh} (a new pod shows within that time; a node's thousand pods are not listed
 * every cycle).
 */
public final class KubeletLogNames {
    /** A pod as its log directory names it. */
    public record Pod(String namespace, String name, String uid) {
    }

    /** A container as its log link names it. */
    public record Container(String namespace, String podName, String name, String containerId) {
    }

    private static final Pattern CONTAINER_LOG = Pattern.compile("^([^_]+)_([^_]+)_(.+)-([0-9a-f]{64})\\.log$");

    private final Optional<Path> podLogs;
    private final Optional<Path> containerLogs;
    private final Ticker ticker;
    private final long minRefreshNanos;
    private Map<String, Pod> pods = Map.of();
    private Map<String, Container> containers = Map.of();
    private long listedAtNanos;
    private boolean listed;

    public KubeletLogNames(Optional<Path> podLogs, Optional<Path> containerLogs, Ticker ticker, Duration minRefresh) {
        this.podLogs = podLogs;
        this.containerLogs = containerLogs;
        this.ticker = ticker;
        this.minRefreshNanos = minRefresh.toNanos();
    }

    public synchronized Optional<Pod> pod(String uid) {
        if (uid.isEmpty() || podLogs.isEmpty()) {
            return Optional.empty();
        }
        if (!pods.containsKey(uid)) {
            refresh();
        }
        return Optional.ofNullable(pods.get(uid));
    }

    public synchronized Optional<Container> container(String containerId) {
        if (containerId.isEmpty() || containerLogs.isEmpty()) {
            return Optional.empty();
        }
        if (!containers.containsKey(containerId)) {
            refresh();
        }
        return Optional.ofNullable(containers.get(containerId));
    }

    private void refresh() {
        long now = ticker.nanoTime();
        if (listed && now - listedAtNanos < minRefreshNanos) {
            return;
        }
        listed = true;
        listedAtNanos = now;
        Map<String, Pod> p = new HashMap<>();
        podLogs.ifPresent(dir -> list(dir, name -> parsePodDirectory(name).ifPresent(x -> p.put(x.uid(), x))));
        Map<String, Container> c = new HashMap<>();
        containerLogs.ifPresent(dir -> list(dir, name -> parseContainerLog(name).ifPresent(x -> c.put(x.containerId(), x))));
        pods = p;
        containers = c;
    }

    private static void list(Path dir, java.util.function.Consumer<String> each) {
        if (!Files.isDirectory(dir)) {
            return; // not a Kubernetes node, or not mounted: attribution goes on without names
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                each.accept(e.getFileName().toString());
            }
        } catch (IOException | SecurityException e) {
            // unreadable: no names this time
        }
    }

    /** {@code <namespace>_<pod>_<uid>}. */
    static Optional<Pod> parsePodDirectory(String name) {
        String[] f = name.split("_");
        if (f.length != 3 || f[0].isEmpty() || f[1].isEmpty() || f[2].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Pod(f[0], f[1], f[2]));
    }

    /** {@code <pod>_<namespace>_<container>-<64 hex>.log}. */
    static Optional<Container> parseContainerLog(String name) {
        Matcher m = CONTAINER_LOG.matcher(name);
        if (!m.matches() || m.group(3).contains("_")) {
            return Optional.empty();
        }
        return Optional.of(new Container(m.group(2), m.group(1), m.group(3), m.group(4)));
    }
}
