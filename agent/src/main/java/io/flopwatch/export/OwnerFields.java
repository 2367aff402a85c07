package io.flopwatch.export;

import io.flopwatch.attribution.ProcessOwner;
import java.util.function.BiConsumer;

/**
 * A process's owner fields (docs/attribution.md) in their order, in one place for both JSON
 * writers: the snapshot's tree ({@link ReadingJson}) and the log line ({@link JsonLine}, which
 * must not touch ReadingJson: it would load Jackson databind). An empty value means unknown.
 */
final class OwnerFields {
    private OwnerFields() {
    }

    static void each(ProcessOwner w, BiConsumer<String, String> field) {
        field.accept("command", w.command());
        field.accept("user", w.user());
        field.accept("container_id", w.containerId());
        field.accept("container_runtime", w.containerRuntime());
        field.accept("k8s_pod_uid", w.podUid());
        field.accept("k8s_namespace", w.podNamespace());
        field.accept("k8s_pod", w.podName());
        field.accept("k8s_container", w.containerName());
        field.accept("slurm_job", w.slurmJob());
    }

    /** The owner fields into a log line, {@code null} when unknown. */
    static void write(JsonLine out, ProcessOwner w) {
        each(w, (name, v) -> {
            if (v.isEmpty()) {
                out.nullField(name);
            } else {
                out.field(name, v);
            }
        });
    }
}
