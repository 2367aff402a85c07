package io.flopwatch.cli;

import io.flopwatch.flops.FlopCounter;
import io.flopwatch.flops.FlopsEstimate;
import io.flopwatch.flops.Formula;
import io.flopwatch.flops.Mode;
import io.flopwatch.flops.ModelSpec;
import io.flopwatch.flops.ParameterCounts;
import io.flopwatch.flops.Workload;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flopwatch flops}: parameter counts and FLOPs per token, per component. */
@Command(name = "flops", mixinStandardHelpOptions = true,
        description = "Parameter counts and FLOPs per token of a transformer, per component (docs/flops.md).")
public final class FlopsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FlopsCli.ModelOptions model;

    @CommandLine.Mixin
    FlopsCli.WorkloadOptions workload;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public void run() {
        CommandLine cli = spec.commandLine();
        ModelSpec m = model.resolve(cli);
        Workload w = workload.resolve(cli);
        FlopsEstimate est = FlopsCli.estimate(m, w);
        PrintWriter out = cli.getOut();
        if (json) {
            out.println(FlopsCli.json(toJson(est)));
        } else {
            printTable(out, est);
        }
        out.flush();
    }

    /** Model FLOPs per token by every formula that applies, for comparison. */
    static Map<String, Object> allFormulas(ModelSpec m, Workload w) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Formula f : Formula.values()) {
            try {
                out.put(FlopsCli.formulaName(f), FlopCounter.estimate(m, w.withFormula(f)).modelFlopsPerToken());
            } catch (IllegalArgumentException e) {
                out.put(FlopsCli.formulaName(f), null);
            }
        }
        return out;
    }

    static Map<String, Object> toJson(FlopsEstimate est) {
        Workload w = est.workload();
        ParameterCounts p = est.params();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", est.spec().name());
        j.put("mode", w.mode().name().toLowerCase(Locale.ROOT));
        j.put("formula", FlopsCli.formulaName(w.formula()));
        j.put("seq_len_tokens", w.mode() == Mode.DECODE ? null : w.seqLenTokens());
        j.put("context_tokens", w.mode() == Mode.DECODE ? w.contextTokens() : null);
        j.put("recompute", w.recompute().name().toLowerCase(Locale.ROOT));
        j.put("causal", w.causal());
        j.put("params_total", p.total());
        j.put("params_activated", p.activated());
        j.put("params_matmul", p.matmul());
        j.put("params_matmul_total", p.matmulTotal());
        j.put("params_embedding", p.embedding());
        j.put("forward_flops_per_token", est.forwardFlopsPerToken());
        j.put("flops_per_token", est.modelFlopsPerToken());
        j.put("hardware_flops_per_token", est.hardwareFlopsPerToken());
        if (w.mode() != Mode.DECODE) {
            j.put("flops_per_sequence", est.modelFlopsPerToken() * w.seqLenTokens());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (FlopsEstimate.Component c : est.components()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", c.name());
            r.put("forward_flops_per_token", c.forwardFlopsPerToken());
            r.put("flops_per_token", c.flopsPerToken());
            rows.add(r);
        }
        j.put("components", rows);
        j.put("flops_per_token_by_formula", allFormulas(est.spec(), w));
        j.put("notes", est.notes());
        return j;
    }

    private static void printTable(PrintWriter out, FlopsEstimate est) {
        Workload w = est.workload();
        ParameterCounts p = est.params();
        out.printf(Locale.ROOT, "model %s, mode %s, %s, formula %s, recompute %s%s%n", est.spec().name(),
                w.mode().name().toLowerCase(Locale.ROOT),
                w.mode() == Mode.DECODE ? "context C=" + w.contextTokens() : "sequence T=" + w.seqLenTokens(),
                FlopsCli.formulaName(w.formula()), w.recompute().name().toLowerCase(Locale.ROOT),
                w.causal() ? ", causal" : "");
        out.printf(Locale.ROOT, "parameters: total %s, activated %s, matmul N %s (all experts %s), embedding %s%n",
                FlopsCli.si(p.total()), FlopsCli.si(p.activated()), FlopsCli.si(p.matmul()),
                FlopsCli.si(p.matmulTotal()), FlopsCli.si(p.embedding()));
        out.println();
        String unit = w.mode() == Mode.TRAIN ? "train (3x fwd)" : w.mode().name().toLowerCase(Locale.ROOT);
        out.printf(Locale.ROOT, "%-22s %16s %16s %8s%n", "component (detailed)", "forward FLOPs/tok", unit, "share");
        double total = 0;
        for (FlopsEstimate.Component c : est.components()) {
            total += c.forwardFlopsPerToken();
        }
        for (FlopsEstimate.Component c : est.components()) {
            out.printf(Locale.ROOT, "%-22s %16s %16s %8s%n", c.name(), FlopsCli.si(c.forwardFlopsPerToken()),
                    FlopsCli.si(c.flopsPerToken()), FlopsCli.percent(c.forwardFlopsPerToken() / total));
        }
        out.println();
        out.printf(Locale.ROOT, "%-30s %s%n", "model FLOPs/token (" + FlopsCli.formulaName(w.formula()) + "):",
                FlopsCli.si(est.modelFlopsPerToken()));
        out.printf(Locale.ROOT, "%-30s %s%n", "hardware FLOPs/token:", FlopsCli.si(est.hardwareFlopsPerToken()));
        if (w.mode() != Mode.DECODE) {
            out.printf(Locale.ROOT, "%-30s %s%n", "model FLOPs/sequence:",
                    FlopsCli.si(est.modelFlopsPerToken() * w.seqLenTokens()));
        }
        StringBuilder others = new StringBuilder();
        allFormulas(est.spec(), w).forEach((k, v) -> others.append(others.length() == 0 ? "" : ", ").append(k)
                .append(' ').append(v == null ? "-" : FlopsCli.si((Double) v)));
        out.printf(Locale.ROOT, "%-30s %s%n", "by formula:", others);
        for (String n : est.notes()) {
            out.println("note: " + n);
        }
    }
}
