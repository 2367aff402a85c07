package io.flopwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.flopwatch.daemon.Doctor;
import io.flopwatch.daemon.Finding;
import io.flopwatch.daemon.HostProbe;
import io.flopwatch.daemon.NvmlReport;
import io.flopwatch.nvml.NvmlException;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.NvmlUnavailableException;
import io.flopwatch.nvml.SystemInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flopwatch doctor}: check what flopwatch can see on this machine and say what to do. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check the NVIDIA driver, NVML, GPM, profiling permission and CUPTI, and explain "
                + "what to do about each problem. Exit 0 when all is well, 4 when NVML cannot be used, "
                + "5 when another problem keeps flopwatch from reading the GPUs fully.")
final class DoctorCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    NvmlOptions nvmlOptions = new NvmlOptions();

    @Option(names = "--json", description = "Print the findings as a JSON array.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        NvmlSource source = nvmlOptions.source();
        NvmlReport report = report(source);
        List<Finding> findings = Doctor.examine(report, HostProbe.system(),
                io.flopwatch.daemon.CuptiReport.probe(java.util.Optional.empty()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode arr = mapper.createArrayNode();
            for (Finding f : findings) {
                arr.addObject().put("check", f.check()).put("level", f.level().name().toLowerCase(java.util.Locale.ROOT))
                        .put("detail", f.detail()).put("advice", f.advice());
            }
            out.println(mapper.writeValueAsString(arr));
        } else {
            for (Finding f : findings) {
                out.printf("[%-7s] %s: %s%n", f.level(), f.check(), f.detail());
                if (!f.advice().isEmpty()) {
                    out.println("          -> " + f.advice());
                }
            }
        }
        out.flush();
        if (report.unavailable().isPresent()) {
            return ExitStatus.NVML_UNAVAILABLE.code();
        }
        return Doctor.hasProblems(findings) ? ExitStatus.DOCTOR_FOUND_PROBLEMS.code() : ExitStatus.OK.code();
    }

    static NvmlReport report(NvmlSource source) {
        String library = String.join(" or ", source.candidates());
        try (NvmlSession nvml = NvmlOptions.open(source)) {
            SystemInfo sys = nvml.system();
            List<NvmlReport.Device> devices = new ArrayList<>();
            for (int i = 0; i < nvml.deviceCount(); i++) {
                try {
                    var id = nvml.identity(i);
                    Optional<Boolean> gpm;
                    try {
                        gpm = Optional.of(nvml.gpmSupported(i));
                    } catch (NvmlException e) {
                        gpm = Optional.empty();
                    }
                    devices.add(new NvmlReport.Device(i, id.name(), id.uuid(),
                            id.architecture().name().toLowerCase(java.util.Locale.ROOT), gpm));
                } catch (NvmlException e) {
                    devices.add(new NvmlReport.Device(i, "(unreadable: " + e.getMessage() + ")", "?", "?", Optional.empty()));
                }
            }
            String cuda = sys.cudaMajor().isPresent() ? sys.cudaMajor().getAsInt() + "." + sys.cudaMinor().getAsInt() : "";
            return new NvmlReport(library, Optional.empty(), 0, sys.driverVersion(), sys.nvmlVersion(), cuda,
                    nvml.simulated(), devices);
        } catch (NvmlUnavailableException e) {
            return NvmlReport.unavailable(library, e.returnCode(), e.getMessage());
        }
    }
}
