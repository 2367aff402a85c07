#!/usr/bin/env python3
"""A small GPT-style training loop that logs like nanoGPT, for flopwatch's H200 validation.

Real mode (PyTorch, bf16 autocast, one GPU) trains a decoder-only transformer on random tokens
and prints nanoGPT's lines (karpathy/nanoGPT train.py):

    tokens per iteration will be: 16,384
    iter 10: loss 9.1234, time 123.45ms, mfu 41.23%

so that `flopwatch run` can tail the log with its `nanogpt` preset. The `mfu` in the line is this
script's own MFU computed the standard way against the H200's dense bf16 peak (NOT nanoGPT's
A100 312 TFLOPS): model FLOPs/token = 6N + 12·L·H·Q·T (PaLM, Chowdhery et al. 2022, App. B),
N = the matrix-multiplication parameters as docs/flops.md counts them.

--fake writes the same lines at a known rate (sleeps instead of computing; no torch): the
dry run's stand-in. Both modes also append one JSON object per iteration to --jsonl (wall time,
tokens, seconds, mfu) for the overhead windows, and may POST token counts to flopwatch's push
endpoint (--push-url), ignoring a flopwatch that is not listening.

--write-spec FILE writes the flopwatch YAML model spec (docs/flops.md) of exactly this
architecture and exits; the validation uses it so that both sides count the same model.
"""
import argparse
import json
import math
import sys
import time
import urllib.request

# The toy GPT: GPT-2 block layout (pre-LayerNorm, GELU MLP of 4·d), no biases (nanoGPT's
# bias=False), learned positions, output projection tied to the token embedding. Sized to load
# an H200 (~0.87 B matmul parameters, 16 k tokens per step) while a step stays ~0.1-0.3 s.
ARCH = {
    "hidden_size": 2048,
    "num_layers": 16,
    "num_heads": 16,
    "vocab_size": 32768,
    "seq_len": 1024,
    "batch": 16,
}
# H200 SXM dense bf16 peak: config/gpus.yaml entry h200 (NVIDIA H200 datasheet 2024: 1979
# TFLOPS with sparsity, halved). The same number flopwatch's catalog gives.
H200_BF16_DENSE_PEAK_FLOPS = 989.5e12
FAKE_SECONDS_PER_ITER = 0.25


def matmul_params(a=ARCH):
    """N per docs/flops.md: per layer Q,K,V,O (4·d²) + MLP up and down (2·d·4d); the tied
    output projection once (V·d); embeddings lookups and positions are not matmuls."""
    d, layers, vocab = a["hidden_size"], a["num_layers"], a["vocab_size"]
    return layers * (4 * d * d + 2 * d * 4 * d) + vocab * d


def model_flops_per_token(a=ARCH):
    """6N + 12·L·H·Q·T, H·Q = d (PaLM App. B; non-causal attention term, as nanoGPT and PaLM)."""
    return 6 * matmul_params(a) + 12 * a["num_layers"] * a["hidden_size"] * a["seq_len"]


def spec_yaml(a=ARCH):
    return "\n".join([
        "name: toy-gpt-h200-validation",
        'source: "agent/src/test/validation/h200/trainer.py ARCH (the model this file describes is built there)"',
        "hidden_size: %d" % a["hidden_size"],
        "num_layers: %d" % a["num_layers"],
        "num_heads: %d" % a["num_heads"],
        "ffn_size: %d" % (4 * a["hidden_size"]),
        "ffn_kind: mlp",
        "vocab_size: %d" % a["vocab_size"],
        "tied_embeddings: true",
        "norm: layernorm",
        "linear_bias: false",
        "learned_positions: %d" % a["seq_len"],
        "",
    ])


class Pusher:
    """POSTs token deltas to flopwatch's push endpoint; a refused connection is normal (the
    overhead windows without flopwatch)."""

    def __init__(self, url, workload):
        self.url, self.workload, self.pending = url, workload, 0

    def add(self, tokens):
        if not self.url:
            return
        self.pending += tokens
        body = json.dumps({"workload": self.workload, "tokens": self.pending}).encode()
        try:
            req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=0.2) as r:
                if r.status == 202:
                    self.pending = 0
        except Exception:
            pass  # keep the tokens for the next push


def log_line(out, jsonl, it, loss, dt, tokens):
    mfu = model_flops_per_token() * tokens / dt / H200_BF16_DENSE_PEAK_FLOPS
    out.write("iter %d: loss %.4f, time %.2fms, mfu %.2f%%\n" % (it, loss, dt * 1000, mfu * 100))
    out.flush()
    jsonl.write(json.dumps({"time": time.time(), "iter": it, "tokens": tokens, "seconds": dt,
                            "tokens_per_second": tokens / dt, "mfu": mfu}) + "\n")
    jsonl.flush()


def run_fake(args, out, jsonl, pusher):
    tokens = ARCH["batch"] * ARCH["seq_len"]
    out.write("tokens per iteration will be: {:,}\n".format(tokens))
    out.flush()
    deadline = time.monotonic() + args.seconds
    last = time.monotonic()
    it = 0
    while time.monotonic() < deadline:
        time.sleep(FAKE_SECONDS_PER_ITER)
        now = time.monotonic()
        dt, last = now - last, now
        log_line(out, jsonl, it, 10.0 - 0.001 * it, dt, tokens)
        pusher.add(tokens)
        it += 1


def run_torch(args, out, jsonl, pusher):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    a = ARCH
    d, heads, layers = a["hidden_size"], a["num_heads"], a["num_layers"]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(d, bias=False)
            self.qkv = nn.Linear(d, 3 * d, bias=False)
            self.proj = nn.Linear(d, d, bias=False)
            self.ln2 = nn.LayerNorm(d, bias=False)
            self.up = nn.Linear(d, 4 * d, bias=False)
            self.down = nn.Linear(4 * d, d, bias=False)

        def forward(self, x):
            b, t, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q, k, v = (z.view(b, t, heads, d // heads).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).reshape(b, t, d))
            return x + self.down(F.gelu(self.up(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(a["vocab_size"], d)
            self.wpe = nn.Embedding(a["seq_len"], d)
            self.blocks = nn.ModuleList(Block() for _ in range(layers))
            self.ln_f = nn.LayerNorm(d, bias=False)
            self.head = nn.Linear(d, a["vocab_size"], bias=False)
            self.head.weight = self.wte.weight  # tied, as in GPT-2 / nanoGPT

        def forward(self, idx, targets):
            pos = torch.arange(idx.shape[1], device=idx.device)
            x = self.wte(idx) + self.wpe(pos)
            for blk in self.blocks:
                x = blk(x)
            logits = self.head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    torch.manual_seed(0)
    dev = "cuda"
    model = GPT().to(dev)
    counted = sum(p.numel() for n, p in model.named_parameters()
                  if p.dim() == 2 and not n.startswith("wpe") and not n.startswith("wte"))
    counted += model.wte.weight.numel()  # the tied output projection, once
    if counted != matmul_params():
        sys.exit("trainer: model has %d matmul parameters, ARCH formula says %d" % (counted, matmul_params()))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    b, t = a["batch"], a["seq_len"]
    tokens = b * t
    out.write("tokens per iteration will be: {:,}\n".format(tokens))
    out.flush()
    idx = torch.randint(0, a["vocab_size"], (b, t), device=dev)
    tgt = torch.randint(0, a["vocab_size"], (b, t), device=dev)
    deadline = time.monotonic() + args.seconds
    last = time.monotonic()
    it = 0
    while time.monotonic() < deadline:
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(idx, tgt)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        lossf = loss.item()  # synchronizes, as nanoGPT's logging does
        now = time.monotonic()
        dt, last = now - last, now
        if it > 0:  # iteration 0 includes start-up (nanoGPT also skips it for MFU)
            log_line(out, jsonl, it, lossf, dt, tokens)
            pusher.add(tokens)
        it += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fake", action="store_true", help="no torch: sleep and log at a known rate")
    ap.add_argument("--seconds", type=float, default=60, help="train this long, then exit")
    ap.add_argument("--log", help="nanoGPT-format log file (default stdout)")
    ap.add_argument("--jsonl", default="/dev/null", help="one JSON object per iteration")
    ap.add_argument("--push-url", help="flopwatch push endpoint (optional)")
    ap.add_argument("--workload", default="toy-gpt")
    ap.add_argument("--write-spec", help="write the flopwatch YAML model spec and exit")
    ap.add_argument("--print-facts", action="store_true", help="print N and FLOPs/token as JSON and exit")
    args = ap.parse_args()
    if args.write_spec:
        with open(args.write_spec, "w") as f:
            f.write(spec_yaml())
        return 0
    if args.print_facts:
        print(json.dumps({"arch": ARCH, "params_matmul": matmul_params(),
                          "model_flops_per_token": model_flops_per_token(),
                          "peak_flops": H200_BF16_DENSE_PEAK_FLOPS,
                          "fake_seconds_per_iter": FAKE_SECONDS_PER_ITER}))
        return 0
    out = open(args.log, "a", buffering=1) if args.log else sys.stdout
    with open(args.jsonl, "a", buffering=1) as jsonl:
        pusher = Pusher(args.push_url, args.workload)
        (run_fake if args.fake else run_torch)(args, out, jsonl, pusher)
    return 0


if __name__ == "__main__":
    sys.exit(main())
