package io.flopwatch.top;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The process rows take the daemon's attribution (docs/attribution.md) from the snapshot's analysis part. */
class TopDataAttributionTest {

    @Test
    void smShareUserCommandAndJobComeFromTheAttribution() throws Exception {
        var doc = new ObjectMapper().readTree("""
                {"devices": [{"index": 0, "processes": [
                    {"pid": 4242, "used_gpu_memory_bytes": 1073741824},
                    {"pid": 4343, "used_gpu_memory_bytes": 2147483648}]}],
                 "analysis": {"gpus": [{"gpu": 0, "processes": [
                    {"pid": 4242, "sm_utilization_ratio": 0.375, "user": "alice", "command": "python train.py",
                     "slurm_job": "81234", "k8s_pod": null},
                    {"pid": 4343, "sm_utilization_ratio": null, "user": "bob", "command": "vllm serve",
                     "k8s_namespace": "inference", "k8s_pod": "vllm-0", "container_id": "0123456789abcdef"}]}]}}
                """);
        TopData d = TopData.parse(doc);
        TopData.Proc train = d.processes().get(0);
        assertEquals(37.5, train.smPercent(), 1e-9);
        assertEquals("alice", train.user());
        assertEquals("python train.py", train.command());
        assertEquals("slurm:81234", train.job());
        TopData.Proc serve = d.processes().get(1);
        assertEquals(Double.NaN, serve.smPercent());
        assertEquals("inference/vllm-0", serve.job(), "a pod before its container id");
    }
}
