package io.flopwatch.cupti.jna;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import io.flopwatch.cupti.CuptiHost;
import io.flopwatch.cupti.MetricEvaluator;
import io.flopwatch.cupti.PmDecodeResult;
import io.flopwatch.cupti.PmSample;
import io.flopwatch.cupti.PmSampler;
import io.flopwatch.cupti.PmSamplingSettings;
import io.flopwatch.cupti.PmTarget;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The target side over libcupti and libcuda. Untested without a GPU: the sequence follows
 * cupti_pmsampling.h (CUDA 13.0) and is exercised by the real-GPU validation.
 */
final class JnaPmTarget implements PmTarget {

    /** A decode that keeps filling the counter data image is repeated at most this often. */
    private static final int MAX_DECODES_PER_CALL = 16;

    private final JnaCupti.Loaded lib;
    private final CudaDriverLibrary cuda;
    private final JnaCuptiHost host;
    private boolean closed;

    private JnaPmTarget(JnaCupti.Loaded lib, CudaDriverLibrary cuda) {
        this.lib = lib;
        this.cuda = cuda;
        this.host = new JnaCuptiHost(lib);
    }

    static JnaPmTarget open(JnaCupti.Loaded lib, CudaDriverLibrary cuda) {
        JnaCupti.checkCuda("cuInit", cuda.cuInit(0));
        lib.check("cuptiProfilerInitialize",
                lib.api().cuptiProfilerInitialize(new CuptiLibrary.CUpti_Profiler_Initialize_Params()));
        return new JnaPmTarget(lib, cuda);
    }

    @Override
    public int deviceCount() {
        return JnaCupti.cuDeviceCount(cuda);
    }

    @Override
    public PmSampler sampler(int deviceIndex) {
        return new Sampler(deviceIndex);
    }

    @Override
    public Optional<String> pciBusId(int deviceIndex) {
        IntByReference device = new IntByReference();
        byte[] id = new byte[64];
        if (cuda.cuDeviceGet(device, deviceIndex) != CudaDriverLibrary.CUDA_SUCCESS
                || cuda.cuDeviceGetPCIBusId(id, id.length, device.getValue()) != CudaDriverLibrary.CUDA_SUCCESS) {
            return Optional.empty();
        }
        int end = 0;
        while (end < id.length && id[end] != 0) {
            end++;
        }
        return Optional.of(new String(id, 0, end, StandardCharsets.US_ASCII));
    }

    @Override
    public CuptiHost host() {
        return host;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            lib.api().cuptiProfilerDeInitialize(new CuptiLibrary.CUpti_Profiler_DeInitialize_Params());
        }
    }

    private final class Sampler implements PmSampler {
        private final int deviceIndex;
        private Pointer object;
        private Memory counterData;
        private MetricEvaluator evaluator;
        private StringArray metricNames;
        private int metricCount;
        private int maxSamples;

        Sampler(int deviceIndex) {
            this.deviceIndex = deviceIndex;
        }

        @Override
        public int deviceIndex() {
            return deviceIndex;
        }

        @Override
        public String chipName() {
            CuptiLibrary.CUpti_Device_GetChipName_Params p = new CuptiLibrary.CUpti_Device_GetChipName_Params();
            p.deviceIndex = deviceIndex;
            lib.check("cuptiDeviceGetChipName", lib.api().cuptiDeviceGetChipName(p));
            return p.pChipName.getString(0);
        }

        @Override
        public byte[] counterAvailability() {
            CuptiLibrary.CUpti_PmSampling_GetCounterAvailability_Params size = new CuptiLibrary.CUpti_PmSampling_GetCounterAvailability_Params();
            size.deviceIndex = deviceIndex;
            lib.check("cuptiPmSamplingGetCounterAvailability", lib.api().cuptiPmSamplingGetCounterAvailability(size));
            Memory image = new Memory(Math.max(1, size.counterAvailabilityImageSize));
            CuptiLibrary.CUpti_PmSampling_GetCounterAvailability_Params fill = new CuptiLibrary.CUpti_PmSampling_GetCounterAvailability_Params();
            fill.deviceIndex = deviceIndex;
            fill.counterAvailabilityImageSize = size.counterAvailabilityImageSize;
            fill.pCounterAvailabilityImage = image;
            lib.check("cuptiPmSamplingGetCounterAvailability", lib.api().cuptiPmSamplingGetCounterAvailability(fill));
            return image.getByteArray(0, (int) size.counterAvailabilityImageSize);
        }

        @Override
        public void enable() {
            CuptiLibrary.CUpti_PmSampling_Enable_Params p = new CuptiLibrary.CUpti_PmSampling_Enable_Params();
            p.deviceIndex = deviceIndex;
            lib.check("cuptiPmSamplingEnable", lib.api().cuptiPmSamplingEnable(p));
            object = p.pPmSamplingObject;
        }

        @Override
        public void setConfig(PmSamplingSettings settings) {
            byte[] image = settings.config().image();
            Memory config = new Memory(Math.max(1, image.length));
            config.write(0, image, 0, image.length);
            CuptiLibrary.CUpti_PmSampling_SetConfig_Params p = new CuptiLibrary.CUpti_PmSampling_SetConfig_Params();
            p.pPmSamplingObject = object;
            p.configSize = image.length;
            p.pConfig = config;
            p.hardwareBufferSize = settings.hardwareBufferBytes();
            p.samplingInterval = settings.samplingInterval();
            p.triggerMode = settings.triggerMode().code();
            // KEEP_OLDEST on every chip (KEEP_LATEST is not on Turing, and it overwrites silently):
            // only this mode reports an overflow, which the collector answers with a restart.
            p.hwBufferAppendMode = CuptiLibrary.CUPTI_PM_SAMPLING_HARDWARE_BUFFER_APPEND_MODE_KEEP_OLDEST;
            lib.check("cuptiPmSamplingSetConfig", lib.api().cuptiPmSamplingSetConfig(p));

            List<String> metrics = settings.metrics();
            metricNames = new StringArray(metrics.toArray(String[]::new));
            metricCount = metrics.size();
            maxSamples = settings.maxSamplesPerDecode();
            CuptiLibrary.CUpti_PmSampling_GetCounterDataSize_Params size = new CuptiLibrary.CUpti_PmSampling_GetCounterDataSize_Params();
            size.pPmSamplingObject = object;
            size.pMetricNames = metricNames;
            size.numMetrics = metricCount;
            size.maxSamples = maxSamples;
            lib.check("cuptiPmSamplingGetCounterDataSize", lib.api().cuptiPmSamplingGetCounterDataSize(size));
            counterData = new Memory(size.counterDataSize);
            initializeCounterData();
            if (evaluator != null) {
                evaluator.close();
            }
            evaluator = host.evaluator(settings.config().chip(), metrics, Optional.of(counterAvailability()));
        }

        private void initializeCounterData() {
            CuptiLibrary.CUpti_PmSampling_CounterDataImage_Initialize_Params p = new CuptiLibrary.CUpti_PmSampling_CounterDataImage_Initialize_Params();
            p.pPmSamplingObject = object;
            p.counterDataSize = counterData.size();
            p.pCounterData = counterData;
            lib.check("cuptiPmSamplingCounterDataImageInitialize", lib.api().cuptiPmSamplingCounterDataImageInitialize(p));
        }

        @Override
        public void start() {
            CuptiLibrary.CUpti_PmSampling_Start_Params p = new CuptiLibrary.CUpti_PmSampling_Start_Params();
            p.pPmSamplingObject = object;
            lib.check("cuptiPmSamplingStart", lib.api().cuptiPmSamplingStart(p));
        }

        @Override
        public PmDecodeResult decode() {
            List<PmSample> samples = new ArrayList<>();
            boolean overflow = false;
            for (int round = 0; round < MAX_DECODES_PER_CALL; round++) {
                CuptiLibrary.CUpti_PmSampling_DecodeData_Params p = new CuptiLibrary.CUpti_PmSampling_DecodeData_Params();
                p.pPmSamplingObject = object;
                p.pCounterDataImage = counterData;
                p.counterDataImageSize = counterData.size();
                lib.check("cuptiPmSamplingDecodeData", lib.api().cuptiPmSamplingDecodeData(p));
                overflow |= p.overflow != 0;

                CuptiLibrary.CUpti_PmSampling_GetCounterDataInfo_Params info = new CuptiLibrary.CUpti_PmSampling_GetCounterDataInfo_Params();
                info.pCounterDataImage = counterData;
                info.counterDataImageSize = counterData.size();
                lib.check("cuptiPmSamplingGetCounterDataInfo", lib.api().cuptiPmSamplingGetCounterDataInfo(info));
                for (int i = 0; i < info.numCompletedSamples; i++) {
                    CuptiLibrary.CUpti_PmSampling_CounterData_GetSampleInfo_Params s = new CuptiLibrary.CUpti_PmSampling_CounterData_GetSampleInfo_Params();
                    s.pPmSamplingObject = object;
                    s.pCounterDataImage = counterData;
                    s.counterDataImageSize = counterData.size();
                    s.sampleIndex = i;
                    lib.check("cuptiPmSamplingCounterDataGetSampleInfo", lib.api().cuptiPmSamplingCounterDataGetSampleInfo(s));
                    double[] values = JnaCuptiHost.evaluateInPlace(evaluator, counterData, counterData.size(), i);
                    List<Double> boxed = new ArrayList<>(values.length);
                    for (double v : values) {
                        boxed.add(v);
                    }
                    samples.add(new PmSample(s.startTimestamp, s.endTimestamp, boxed));
                }
                initializeCounterData();
                if (p.decodeStopReason != CuptiLibrary.CUPTI_PM_SAMPLING_DECODE_STOP_REASON_COUNTER_DATA_FULL) {
                    break;
                }
            }
            return new PmDecodeResult(samples, overflow);
        }

        @Override
        public void stop() {
            CuptiLibrary.CUpti_PmSampling_Stop_Params p = new CuptiLibrary.CUpti_PmSampling_Stop_Params();
            p.pPmSamplingObject = object;
            lib.check("cuptiPmSamplingStop", lib.api().cuptiPmSamplingStop(p));
        }

        @Override
        public void disable() {
            if (evaluator != null) {
                evaluator.close();
                evaluator = null;
            }
            if (object == null) {
                return;
            }
            CuptiLibrary.CUpti_PmSampling_Disable_Params p = new CuptiLibrary.CUpti_PmSampling_Disable_Params();
            p.pPmSamplingObject = object;
            object = null;
            lib.check("cuptiPmSamplingDisable", lib.api().cuptiPmSamplingDisable(p));
        }
    }
}
