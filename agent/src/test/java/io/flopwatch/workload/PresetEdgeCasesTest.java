package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the presets read from lines at the edges of their formats: missing fields, odd spacing,
 * colour escapes, scientific notation and grouping commas, near misses. Each expected reading is
 * worked out from the line and the format as each parser's Javadoc quotes it; {@code
 * ScannerEquivalenceTest} holds the hand scanners to the regular expressions on many more lines,
 * this table pins what both read. In the lines, {@code \e} stands for ESC and {@code \t} for a tab.
 * Expected: {@code none}, or per reading {@code PHASE READING tokens SCOPE} and the step, MFU
 * (fraction) and TFLOP/s per GPU when present, six significant digits.
 */
class PresetEdgeCasesTest {

    @ParameterizedTest(name = "{0}: {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # nanoGPT, 491,520 tokens per iteration: tokens/s = 491520 / (time ms / 1000)
            nanogpt     | 491520 | iter 10: loss 9.1234, time 1280.00ms, mfu 38.52%            | TRAINING RATE 384000 JOB step=10 mfu=0.3852
            nanogpt     | 491520 | iter 10: loss 1,000, time 1,280ms, mfu 3.852e1%             | TRAINING RATE 384000 JOB step=10 mfu=0.3852
            nanogpt     | 491520 | [iter 10: loss 9.1, time 1.28e3ms, mfu 38.52%]              | TRAINING RATE 384000 JOB step=10 mfu=0.3852
            # running_mfu = -1 prints as -100.00%: not yet known, no MFU
            nanogpt     | 491520 | iter 0: loss 10.98, time 45123.45ms, mfu -100.00%           | TRAINING RATE 10892.8 JOB step=0
            # a zero step time gives no rate, the MFU stays
            nanogpt     | 491520 | iter 5: loss 2, time 0.00ms, mfu 4%                          | TRAINING - - JOB step=5 mfu=0.04
            nanogpt     | 491520 | xiter 10: loss 9.1, time 1280.00ms, mfu 38.52%              | none
            nanogpt     | 491520 | iter 10: loss 9.1, time 1280.00ms, mfu 38.52                | none
            nanogpt     | 491520 | iter 10:  loss 9.1, time 1280.00ms, mfu 38.52%              | none
            nanogpt     | 491520 | step 0: train loss 10.9876, val loss 10.9901                | none
            # torchtitan: tps per device, tflops and mfu per device, optional, in that order
            torchtitan  | 0      | \\e[31mstep:  1  \\e[34mtps: 1,205  \\e[36mtflops: 69.81  \\e[35mmfu: 7.06%\\e[39m | TRAINING RATE 1205 GPU step=1 mfu=0.0706 tflops=69.81
            torchtitan  | 0      | step: 20  loss:  8.12  tps: 6,500  mfu: 38.10%              | TRAINING RATE 6500 GPU step=20 mfu=0.381
            torchtitan  | 0      | step:20\\ttps:\\t6500                                          | TRAINING RATE 6500 GPU step=20
            torchtitan  | 0      | step: 20  tps: 6.5e3  tflops: 4.0779e2  mfu: 41.23           | TRAINING RATE 6500 GPU step=20 tflops=407.79
            # the mfu part is looked for after the tflops part only
            torchtitan  | 0      | step: 20  tps: 6500  mfu: 41.23%  tflops: 9                  | TRAINING RATE 6500 GPU step=20 tflops=9
            torchtitan  | 0      | \\e[33mvalidate step: 10  tps: 20,000                         | none
            torchtitan  | 0      | step: 20  tps: -5                                            | none
            torchtitan  | 0      | step: 20 mytps: 5                                            | none
            torchtitan  | 0      | st\\e[0mep: 20  tps: 5                                        | TRAINING RATE 5 GPU step=20
            # Megatron-LM, sequence length 4096: global batch × 4096 / (ms / 1000)
            megatron-lm | 4096   | ` iteration        5/      10 | elapsed time per iteration (ms): 1,000.0 | global batch size:     8 |` | TRAINING RATE 32768 JOB step=5
            megatron-lm | 4096   | `iteration 5/10|elapsed time per iteration (ms):500|global batch size:8|throughput per GPU (TFLOP/s/GPU):1.5e2` | TRAINING RATE 65536 JOB step=5 tflops=150
            megatron-lm | 4096   | `iteration 5/10 | elapsed time per iteration (ms): 100 | global batch size: 8 | global batch size: 16 |` | TRAINING RATE 655360 JOB step=5
            megatron-lm | 4096   | ` iteration 5/10 | global batch size: 8 |`                   | none
            megatron-lm | 4096   | ` iteration 5 /10 | elapsed time per iteration (ms): 100 | global batch size: 8 |` | none
            megatron-lm | 4096   | ` iteration 5/10 elapsed time per iteration (ms): 100 | global batch size: 8 |` | none
            # Hugging Face Trainer, sequence length 512
            hf-trainer  | 512    | {'train_samples_per_second': 35.56, 'step': 7}               | TRAINING RATE 18206.7 JOB step=7
            hf-trainer  | 512    | {"num_input_tokens_seen": 1.6e7, "step": 200}                | TRAINING CUMULATIVE 16000000 JOB step=200
            hf-trainer  | 512    | {'train_tokens_per_second' :\\t1,820.5}                       | TRAINING RATE 1820.5 GPU
            hf-trainer  | 512    | {'eval_samples_per_second': 80.0, 'epoch': 0.25}             | none
            hf-trainer  | 512    | {'train_tokens_per_second': 18206.72x}                       | none
            # Lightning, sequence length 2048; a global rate wins over a per-device one
            lightning   | 2048   | items_per_sec=1000 device/items_per_sec=125 device/mfu=0.5 step=3 | TRAINING RATE 1000 JOB step=3 mfu=0.5
            lightning   | 2048   | {'device/samples_per_sec': 64.0, 'device/flops_per_sec': 3.1e+14} | TRAINING RATE 131072 GPU tflops=310
            lightning   | 2048   | {'device/mfu': 0.31}                                          | TRAINING - - GPU mfu=0.31
            lightning   | 2048   | x_items_per_sec=5                                             | none
            # DeepSpeed, sequence length 2048: CurrSamplesPerSec × 2048; the profiler's figure in TFLOP/s
            deepspeed   | 2048   | global_step=7, RunningAvgSamplesPerSec=1,000, CurrSamplesPerSec=2.5e2, MemAllocated=1GB | TRAINING RATE 512000 JOB step=7
            # a number may end in grouping commas (Numbers.NUMBER: \\d[\\d,]*), so "1,000," is the running average
            deepspeed   | 2048   | global_step=7, RunningAvgSamplesPerSec=1,000,, CurrSamplesPerSec=250 | TRAINING RATE 512000 JOB step=7
            deepspeed   | 2048   | global_step=7, RunningAvgSamplesPerSec=1.0,, CurrSamplesPerSec=250 | none
            deepspeed   | 2048   | global_step=7,  RunningAvgSamplesPerSec=1, CurrSamplesPerSec=250 | none
            deepspeed   | 0      | fwd+bwd FLOPS per GPU = 3 * a / (b): 1.5e2 GFLOPS             | TRAINING - - GPU tflops=0.15
            deepspeed   | 0      | fwd+bwd FLOPS per GPU = x: y: 2 PFLOPS                       | TRAINING - - GPU tflops=2000
            deepspeed   | 0      | fwd+bwd FLOPS per GPU = x: 2 T FLOPS                          | none
            # vLLM: prompt rate → prefill, generation rate → decode, whole engine
            vllm        | 0      | Avg prompt throughput: 1,024.5 tokens/s, Avg generation throughput: 1e3 tokens/s, Running: 1 reqs | PREFILL RATE 1024.5 JOB; DECODE RATE 1000 JOB
            vllm        | 0      | Avg prompt throughput: 5tokens/s, Avg generation throughput: 1 tokens/s | none
            vllm        | 0      | Avg prompt throughput: -5 tokens/s, Avg generation throughput: 1 tokens/s | none
            # SGLang: decode rate, prefill tokens per batch
            sglang      | 0      | [TP0] Decode batch [77], #running-req: 1, gen throughput (token/s): 1.5e3, #queue-req: 0 | DECODE RATE 1500 JOB
            sglang      | 0      | Prefill batch. #new-seq: 1, #new-token: 64,                   | PREFILL DELTA 64 JOB
            sglang      | 0      | Decode batch #running-req: 1, gen throughput (token/s): 10    | none
            sglang      | 0      | Decode batch, gen throughput (token/s): nan                   | none
            """)
    void readsTheEdgesOfEachFormat(String format, long setting, String line, String expected) {
        LogFormat f = LogFormat.valueOf(format.toUpperCase(Locale.ROOT).replace('-', '_'));
        ParserSettings s = setting == 0 ? ParserSettings.NONE
                : f == LogFormat.NANOGPT ? ParserSettings.withTokensPerStep(setting)
                : new ParserSettings(OptionalLong.empty(), OptionalLong.of(setting));
        String l = line.replace("\\e", "\u001B").replace("\\t", "\t");
        assertEquals(expected, describe(f.newParser(s).parse(l, 0)));
    }

    static String describe(List<ThroughputObservation> got) {
        if (got.isEmpty()) {
            return "none";
        }
        return got.stream().map(o -> o.phase() + " " + (o.hasTokens() ? o.reading() + " " + num(o.tokens()) : "- -")
                + " " + o.scope()
                + (o.step().isPresent() ? " step=" + o.step().getAsLong() : "")
                + (o.selfReportedMfu().isPresent() ? " mfu=" + num(o.selfReportedMfu().getAsDouble()) : "")
                + (o.selfReportedTflopsPerGpu().isPresent() ? " tflops=" + num(o.selfReportedTflopsPerGpu().getAsDouble()) : ""))
                .collect(Collectors.joining("; "));
    }

    private static String num(double v) {
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
