#!/usr/bin/env python3
"""One phase of known character on the GPU, with its own ground truth, for flopwatch's H200
validation. Prints `ready` once warmed up (the orchestrator then starts measuring) and, at the
end, one JSON line with what was done and how long it took.

  matmul  repeated 8192×8192×8192 bf16 products: 2·M·N·K FLOPs each (the standard count of a
          matrix product), timed with CUDA events around the whole loop -> achieved FLOP/s
  copy    repeated device-to-device copies of a 2 GiB buffer: 2 × size bytes moved per copy
          (read + write), timed likewise -> achieved DRAM bytes/s
  idle    nothing on the GPU

--fake (dry run): sleeps for the phase and reports the ground truth the dry run's simulated
scenario was built from (given with --fake-flops / --fake-bytes-per-second); labelled simulated.
"""
import argparse
import json
import sys
import time

MATMUL_DIM = 8192
COPY_BYTES = 2 << 30


def real(kind, seconds):
    import torch
    result = {"kind": kind, "simulated": False}
    if kind == "idle":
        print("ready", flush=True)
        t0 = time.monotonic()
        time.sleep(seconds)
        result.update(seconds=time.monotonic() - t0, flops=0, bytes=0)
        return result
    if kind == "matmul":
        a = torch.randn(MATMUL_DIM, MATMUL_DIM, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(MATMUL_DIM, MATMUL_DIM, device="cuda", dtype=torch.bfloat16)
        c = torch.empty_like(a)
        op = lambda: torch.matmul(a, b, out=c)
        flops_per_op, bytes_per_op = 2 * MATMUL_DIM ** 3, 0
    else:
        src = torch.empty(COPY_BYTES // 2, device="cuda", dtype=torch.bfloat16).fill_(1)
        dst = torch.empty_like(src)
        op = lambda: dst.copy_(src)
        flops_per_op, bytes_per_op = 0, 2 * COPY_BYTES
    for _ in range(3):
        op()
    torch.cuda.synchronize()
    # Ops per ~50 ms batch, so the loop checks the clock rarely and keeps the GPU fed.
    t0 = time.monotonic()
    for _ in range(10):
        op()
    torch.cuda.synchronize()
    per_batch = max(1, int(10 * 0.05 / max(time.monotonic() - t0, 1e-6)))
    print("ready", flush=True)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ops = 0
    deadline = time.monotonic() + seconds
    start.record()
    while time.monotonic() < deadline:
        for _ in range(per_batch):
            op()
        ops += per_batch
        end.record()
        end.synchronize()  # bounds the queue to one batch, so the deadline holds
    elapsed = start.elapsed_time(end) / 1000.0
    result.update(seconds=elapsed, ops=ops, flops=ops * flops_per_op, bytes=ops * bytes_per_op,
                  flops_per_second=ops * flops_per_op / elapsed,
                  bytes_per_second=ops * bytes_per_op / elapsed)
    return result


def fake(kind, seconds, flops_per_second, bytes_per_second):
    print("ready", flush=True)
    t0 = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    return {"kind": kind, "simulated": True, "seconds": elapsed,
            "flops": flops_per_second * elapsed, "bytes": bytes_per_second * elapsed,
            "flops_per_second": flops_per_second, "bytes_per_second": bytes_per_second}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("matmul", "copy", "idle"))
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--fake", action="store_true")
    ap.add_argument("--fake-flops", type=float, default=0.0)
    ap.add_argument("--fake-bytes-per-second", type=float, default=0.0)
    args = ap.parse_args()
    if args.fake:
        result = fake(args.kind, args.seconds, args.fake_flops, args.fake_bytes_per_second)
    else:
        result = real(args.kind, args.seconds)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
