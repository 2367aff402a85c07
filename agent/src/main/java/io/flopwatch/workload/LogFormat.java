package io.flopwatch.workload;

import java.util.Locale;
import java.util.function.Function;

/**
 * The log formats flopwatch reads without a custom pattern. Each parser's Javadoc quotes the
 * framework's format string, the file it comes from and the version, and says which scope the
 * reading is in; docs/throughput.md has the same in a table.
 */
public enum LogFormat {
    NANOGPT(NanoGptParser::new),
    TORCHTITAN(s -> new TorchtitanParser()),
    MEGATRON_LM(MegatronParser::new),
    HF_TRAINER(HfTrainerParser::new),
    LIGHTNING(LightningParser::new),
    DEEPSPEED(DeepSpeedParser::new),
    VLLM(s -> new VllmLogParser()),
    SGLANG(s -> new SglangLogParser());

    private final Function<ParserSettings, LineParser> factory;

    LogFormat(Function<ParserSettings, LineParser> factory) {
        this.factory = factory;
    }

    /** A new parser (parsers may keep state: one per followed stream). */
    public LineParser newParser(ParserSettings settings) {
        return factory.apply(settings);
    }

    /** The name used in configuration: lower case with dashes ({@code megatron-lm}, {@code hf-trainer}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
