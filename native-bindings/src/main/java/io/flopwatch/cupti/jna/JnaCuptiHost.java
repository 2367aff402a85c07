package io.flopwatch.cupti.jna;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import io.flopwatch.cupti.ConfigImage;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.CuptiHost;
import io.flopwatch.cupti.MetricEvaluator;
import io.flopwatch.cupti.MetricProperties;
import io.flopwatch.cupti.MetricType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** {@link CuptiHost} over libcupti's profiler host API. */
final class JnaCuptiHost implements CuptiHost {

    private final JnaCupti.Loaded lib;

    JnaCuptiHost(JnaCupti.Loaded lib) {
        this.lib = lib;
    }

    @Override
    public int apiVersion() {
        com.sun.jna.ptr.IntByReference v = new com.sun.jna.ptr.IntByReference();
        lib.check("cuptiGetVersion", lib.api().cuptiGetVersion(v));
        return v.getValue();
    }

    @Override
    public List<String> supportedChips() {
        CuptiLibrary.CUpti_Profiler_Host_GetSupportedChips_Params p = new CuptiLibrary.CUpti_Profiler_Host_GetSupportedChips_Params();
        lib.check("cuptiProfilerHostGetSupportedChips", lib.api().cuptiProfilerHostGetSupportedChips(p));
        return strings(p.ppChipNames, p.numChips);
    }

    @Override
    public List<String> baseMetrics(String chip, MetricType type) {
        try (HostObject host = HostObject.open(lib, chip, Optional.empty())) {
            CuptiLibrary.CUpti_Profiler_Host_GetBaseMetrics_Params p = new CuptiLibrary.CUpti_Profiler_Host_GetBaseMetrics_Params();
            p.pHostObject = host.pointer;
            p.metricType = type.code();
            lib.check("cuptiProfilerHostGetBaseMetrics", lib.api().cuptiProfilerHostGetBaseMetrics(p));
            return strings(p.ppMetricNames, p.numMetrics);
        }
    }

    @Override
    public MetricProperties metricProperties(String chip, String metric) {
        try (HostObject host = HostObject.open(lib, chip, Optional.empty())) {
            CuptiLibrary.CUpti_Profiler_Host_GetMetricProperties_Params p = new CuptiLibrary.CUpti_Profiler_Host_GetMetricProperties_Params();
            p.pHostObject = host.pointer;
            p.pMetricName = metric;
            lib.check("cuptiProfilerHostGetMetricProperties", lib.api().cuptiProfilerHostGetMetricProperties(p));
            return new MetricProperties(metric, string(p.pDescription), string(p.pHwUnit), string(p.pDimUnit),
                    MetricType.values()[p.metricType]);
        }
    }

    @Override
    public ConfigImage configImage(String chip, List<String> metrics, Optional<byte[]> counterAvailability) {
        try (HostObject host = HostObject.open(lib, chip, counterAvailability)) {
            host.addMetrics(metrics);
            CuptiLibrary.CUpti_Profiler_Host_GetConfigImageSize_Params size = new CuptiLibrary.CUpti_Profiler_Host_GetConfigImageSize_Params();
            size.pHostObject = host.pointer;
            lib.check("cuptiProfilerHostGetConfigImageSize", lib.api().cuptiProfilerHostGetConfigImageSize(size));
            Memory image = new Memory(Math.max(1, size.configImageSize));
            CuptiLibrary.CUpti_Profiler_Host_GetConfigImage_Params get = new CuptiLibrary.CUpti_Profiler_Host_GetConfigImage_Params();
            get.pHostObject = host.pointer;
            get.configImageSize = size.configImageSize;
            get.pConfigImage = image;
            lib.check("cuptiProfilerHostGetConfigImage", lib.api().cuptiProfilerHostGetConfigImage(get));
            CuptiLibrary.CUpti_Profiler_Host_GetNumOfPasses_Params passes = new CuptiLibrary.CUpti_Profiler_Host_GetNumOfPasses_Params();
            passes.configImageSize = size.configImageSize;
            passes.pConfigImage = image;
            lib.check("cuptiProfilerHostGetNumOfPasses", lib.api().cuptiProfilerHostGetNumOfPasses(passes));
            return new ConfigImage(chip, metrics, image.getByteArray(0, (int) size.configImageSize),
                    Math.toIntExact(passes.numOfPasses));
        }
    }

    @Override
    public MetricEvaluator evaluator(String chip, List<String> metrics, Optional<byte[]> counterAvailability) {
        HostObject host = HostObject.open(lib, chip, counterAvailability);
        try {
            host.addMetrics(metrics);
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        return new Evaluator(lib, host, List.copyOf(metrics));
    }

    private static final class Evaluator implements MetricEvaluator {
        private final JnaCupti.Loaded lib;
        private final HostObject host;
        private final List<String> metrics;
        private final StringArray names;

        Evaluator(JnaCupti.Loaded lib, HostObject host, List<String> metrics) {
            this.lib = lib;
            this.host = host;
            this.metrics = metrics;
            this.names = new StringArray(metrics.toArray(String[]::new));
        }

        @Override
        public double[] evaluate(byte[] counterData, int sampleIndex) {
            Memory image = new Memory(Math.max(1, counterData.length));
            image.write(0, counterData, 0, counterData.length);
            return evaluate(image, counterData.length, sampleIndex);
        }

        double[] evaluate(Pointer image, long imageSize, int sampleIndex) {
            Memory values = new Memory(8L * metrics.size());
            CuptiLibrary.CUpti_Profiler_Host_EvaluateToGpuValues_Params p = new CuptiLibrary.CUpti_Profiler_Host_EvaluateToGpuValues_Params();
            p.pHostObject = host.pointer;
            p.pCounterDataImage = image;
            p.counterDataImageSize = imageSize;
            p.rangeIndex = sampleIndex;
            p.ppMetricNames = names;
            p.numMetrics = metrics.size();
            p.pMetricValues = values;
            lib.check("cuptiProfilerHostEvaluateToGpuValues", lib.api().cuptiProfilerHostEvaluateToGpuValues(p));
            return values.getDoubleArray(0, metrics.size());
        }

        @Override
        public void close() {
            host.close();
        }
    }

    /** Evaluates samples of a native counter data image without copying it (for the sampler). */
    static double[] evaluateInPlace(MetricEvaluator evaluator, Pointer image, long imageSize, int sampleIndex) {
        return ((Evaluator) evaluator).evaluate(image, imageSize, sampleIndex);
    }

    /** A CUPTI host object (PM sampling profiler type), deinitialized on close. */
    static final class HostObject implements AutoCloseable {
        private final JnaCupti.Loaded lib;
        private final String chip;
        final Pointer pointer;
        private final Memory availability;
        private boolean closed;

        private HostObject(JnaCupti.Loaded lib, String chip, Pointer pointer, Memory availability) {
            this.lib = lib;
            this.chip = chip;
            this.pointer = pointer;
            this.availability = availability;
        }

        static HostObject open(JnaCupti.Loaded lib, String chip, Optional<byte[]> counterAvailability) {
            CuptiLibrary.CUpti_Profiler_Host_Initialize_Params p = new CuptiLibrary.CUpti_Profiler_Host_Initialize_Params();
            p.profilerType = CuptiLibrary.CUPTI_PROFILER_TYPE_PM_SAMPLING;
            p.pChipName = chip;
            Memory availability = null;
            if (counterAvailability.isPresent() && counterAvailability.get().length > 0) {
                byte[] bytes = counterAvailability.get();
                availability = new Memory(bytes.length);
                availability.write(0, bytes, 0, bytes.length);
                p.pCounterAvailabilityImage = availability;
            }
            int result = lib.api().cuptiProfilerHostInitialize(p);
            if (result != CuptiLibrary.CUPTI_SUCCESS) {
                CuptiException e = CuptiException.of("cuptiProfilerHostInitialize", result, lib.resultString(result));
                throw new CuptiException(e.function() + "(PM sampling, " + chip + ")", e.resultCode(),
                        e.resultString(), e.condition());
            }
            return new HostObject(lib, chip, p.pHostObject, availability);
        }

        /**
         * ConfigAddMetrics; when CUPTI rejects the list, finds which metrics it rejects one by
         * one, because its own message (INVALID_PARAMETER) does not say.
         */
        void addMetrics(List<String> metrics) {
            int result = add(pointer, metrics);
            if (result == CuptiLibrary.CUPTI_SUCCESS) {
                return;
            }
            List<String> rejected = new ArrayList<>();
            for (String metric : metrics) {
                try (HostObject probe = open(lib, chip, Optional.empty())) {
                    if (add(probe.pointer, List.of(metric)) != CuptiLibrary.CUPTI_SUCCESS) {
                        rejected.add(metric);
                    }
                }
            }
            throw new CuptiException("cuptiProfilerHostConfigAddMetrics", result, lib.resultString(result)
                    + ": not valid for PM sampling on " + chip + ": " + rejected,
                    io.flopwatch.cupti.CuptiCondition.OTHER);
        }

        private int add(Pointer host, List<String> metrics) {
            CuptiLibrary.CUpti_Profiler_Host_ConfigAddMetrics_Params p = new CuptiLibrary.CUpti_Profiler_Host_ConfigAddMetrics_Params();
            p.pHostObject = host;
            p.ppMetricNames = new StringArray(metrics.toArray(String[]::new));
            p.numMetrics = metrics.size();
            return lib.api().cuptiProfilerHostConfigAddMetrics(p);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            CuptiLibrary.CUpti_Profiler_Host_Deinitialize_Params p = new CuptiLibrary.CUpti_Profiler_Host_Deinitialize_Params();
            p.pHostObject = pointer;
            lib.api().cuptiProfilerHostDeinitialize(p);
            if (availability != null) {
                availability.close();
            }
        }
    }

    private static List<String> strings(Pointer array, long count) {
        if (array == null || count == 0) {
            return List.of();
        }
        return List.copyOf(Arrays.asList(array.getStringArray(0, Math.toIntExact(count))));
    }

    private static String string(Pointer p) {
        return p == null ? "" : p.getString(0);
    }
}
