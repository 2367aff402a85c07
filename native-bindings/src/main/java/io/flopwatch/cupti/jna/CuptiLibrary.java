package io.flopwatch.cupti.jna;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * CUPTI 12.6+/13 ({@code libcupti.so}): the profiler host API ({@code cupti_profiler_host.h}),
 * the PM sampling API ({@code cupti_pmsampling.h}), profiler initialisation
 * ({@code cupti_profiler_target.h}), the chip name ({@code cupti_target.h}), version and
 * result strings. Transcribed from the CUDA 13.0 headers, C names and C field order.
 *
 * <p>Every params structure starts with {@code size_t structSize; void* pPriv}. CUPTI reads
 * {@code structSize} to know which fields the caller knows about, and its
 * {@code *_STRUCT_SIZE} macros are {@code offsetof(last field) + sizeof(last field)}: not
 * padded to the structure's alignment. JNA's {@link Structure#size()} is padded (the
 * DecodeData params are 48 bytes, the macro says 45), so each structure here sets
 * {@code structSize} to the macro's value, which {@code CuptiAbiConformanceTest} checks against
 * the header. {@code size_t} is mapped to {@code long}: the bindings support 64-bit Linux only.
 *
 * <p>Every function returns a {@code CUptiResult} (0 = success).
 */
public interface CuptiLibrary extends Library {

    int CUPTI_SUCCESS = 0;

    /** {@code CUpti_ProfilerType}. */
    int CUPTI_PROFILER_TYPE_RANGE_PROFILER = 0;
    int CUPTI_PROFILER_TYPE_PM_SAMPLING = 1;

    /** {@code CUpti_MetricType}. */
    int CUPTI_METRIC_TYPE_COUNTER = 0;
    int CUPTI_METRIC_TYPE_RATIO = 1;
    int CUPTI_METRIC_TYPE_THROUGHPUT = 2;

    /** {@code CUpti_PmSampling_TriggerMode}: SYSCLK counts clocks; TIME counts ns (not on Turing, GA100). */
    int CUPTI_PM_SAMPLING_TRIGGER_MODE_GPU_SYSCLK_INTERVAL = 0;
    int CUPTI_PM_SAMPLING_TRIGGER_MODE_GPU_TIME_INTERVAL = 1;

    /** {@code CUpti_PmSampling_DecodeStopReason}. */
    int CUPTI_PM_SAMPLING_DECODE_STOP_REASON_OTHER = 0;
    int CUPTI_PM_SAMPLING_DECODE_STOP_REASON_COUNTER_DATA_FULL = 1;
    int CUPTI_PM_SAMPLING_DECODE_STOP_REASON_END_OF_RECORDS = 2;

    /** {@code CUpti_PmSampling_HardwareBuffer_AppendMode} (KEEP_LATEST: not on Turing). */
    int CUPTI_PM_SAMPLING_HARDWARE_BUFFER_APPEND_MODE_KEEP_OLDEST = 0;
    int CUPTI_PM_SAMPLING_HARDWARE_BUFFER_APPEND_MODE_KEEP_LATEST = 1;

    // ---- cupti_version.h, cupti_result.h
    int cuptiGetVersion(IntByReference version);

    int cuptiGetResultString(int result, PointerByReference str);

    // ---- cupti_profiler_target.h, cupti_target.h
    int cuptiProfilerInitialize(CUpti_Profiler_Initialize_Params params);

    int cuptiProfilerDeInitialize(CUpti_Profiler_DeInitialize_Params params);

    int cuptiDeviceGetChipName(CUpti_Device_GetChipName_Params params);

    // ---- cupti_profiler_host.h
    int cuptiProfilerHostInitialize(CUpti_Profiler_Host_Initialize_Params params);

    int cuptiProfilerHostDeinitialize(CUpti_Profiler_Host_Deinitialize_Params params);

    int cuptiProfilerHostGetSupportedChips(CUpti_Profiler_Host_GetSupportedChips_Params params);

    int cuptiProfilerHostGetBaseMetrics(CUpti_Profiler_Host_GetBaseMetrics_Params params);

    int cuptiProfilerHostGetSubMetrics(CUpti_Profiler_Host_GetSubMetrics_Params params);

    int cuptiProfilerHostGetMetricProperties(CUpti_Profiler_Host_GetMetricProperties_Params params);

    int cuptiProfilerHostEvaluateToGpuValues(CUpti_Profiler_Host_EvaluateToGpuValues_Params params);

    int cuptiProfilerHostConfigAddMetrics(CUpti_Profiler_Host_ConfigAddMetrics_Params params);

    int cuptiProfilerHostGetConfigImageSize(CUpti_Profiler_Host_GetConfigImageSize_Params params);

    int cuptiProfilerHostGetConfigImage(CUpti_Profiler_Host_GetConfigImage_Params params);

    int cuptiProfilerHostGetNumOfPasses(CUpti_Profiler_Host_GetNumOfPasses_Params params);

    int cuptiProfilerHostGetMaxNumHardwareMetricsPerPass(CUpti_Profiler_Host_GetMaxNumHardwareMetricsPerPass_Params params);

    // ---- cupti_pmsampling.h
    int cuptiPmSamplingSetConfig(CUpti_PmSampling_SetConfig_Params params);

    int cuptiPmSamplingEnable(CUpti_PmSampling_Enable_Params params);

    int cuptiPmSamplingDisable(CUpti_PmSampling_Disable_Params params);

    int cuptiPmSamplingStart(CUpti_PmSampling_Start_Params params);

    int cuptiPmSamplingStop(CUpti_PmSampling_Stop_Params params);

    int cuptiPmSamplingDecodeData(CUpti_PmSampling_DecodeData_Params params);

    int cuptiPmSamplingGetCounterAvailability(CUpti_PmSampling_GetCounterAvailability_Params params);

    int cuptiPmSamplingGetCounterDataSize(CUpti_PmSampling_GetCounterDataSize_Params params);

    int cuptiPmSamplingCounterDataImageInitialize(CUpti_PmSampling_CounterDataImage_Initialize_Params params);

    int cuptiPmSamplingGetCounterDataInfo(CUpti_PmSampling_GetCounterDataInfo_Params params);

    int cuptiPmSamplingCounterDataGetSampleInfo(CUpti_PmSampling_CounterData_GetSampleInfo_Params params);

    /**
     * The common head of every params structure. Subclasses pass their header's
     * {@code *_STRUCT_SIZE} macro value (unpadded) to the constructor.
     */
    @FieldOrder({"structSize", "pPriv"})
    abstract class CuptiParams extends Structure {
        public long structSize;
        public Pointer pPriv;

        protected CuptiParams(long macroStructSize) {
            this.structSize = macroStructSize;
        }

        /** The {@code *_STRUCT_SIZE} value this structure is sent with. */
        public long macroStructSize() {
            return structSize;
        }

        /** Offset of {@code field} in bytes, as JNA lays the structure out. */
        public int offsetOf(String field) {
            return fieldOffset(field);
        }

        /** Field names in C order, as JNA lays them out. */
        public java.util.List<String> fieldNames() {
            return getFieldOrder();
        }
    }

    class CUpti_Profiler_Initialize_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 16;

        public CUpti_Profiler_Initialize_Params() {
            super(STRUCT_SIZE);
        }
    }

    class CUpti_Profiler_DeInitialize_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 16;

        public CUpti_Profiler_DeInitialize_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"deviceIndex", "pChipName"})
    class CUpti_Device_GetChipName_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 32;
        public long deviceIndex;
        public Pointer pChipName;

        public CUpti_Device_GetChipName_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"profilerType", "pChipName", "pCounterAvailabilityImage", "pHostObject"})
    class CUpti_Profiler_Host_Initialize_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 48;
        public int profilerType;
        public String pChipName;
        public Pointer pCounterAvailabilityImage;
        public Pointer pHostObject;

        public CUpti_Profiler_Host_Initialize_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pHostObject"})
    class CUpti_Profiler_Host_Deinitialize_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 24;
        public Pointer pHostObject;

        public CUpti_Profiler_Host_Deinitialize_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"numChips", "ppChipNames"})
    class CUpti_Profiler_Host_GetSupportedChips_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 32;
        public long numChips;
        public Pointer ppChipNames;

        public CUpti_Profiler_Host_GetSupportedChips_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pHostObject", "metricType", "ppMetricNames", "numMetrics"})
    class CUpti_Profiler_Host_GetBaseMetrics_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 48;
        public Pointer pHostObject;
        public int metricType;
        public Pointer ppMetricNames;
        public long numMetrics;

        public CUpti_Profiler_Host_GetBaseMetrics_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pHostObject", "metricType", "pMetricName", "numOfSubmetrics", "ppSubMetrics"})
    class CUpti_Profiler_Host_GetSubMetrics_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 56;
        public Pointer pHostObject;
        public int metricType;
        public String pMetricName;
        public long numOfSubmetrics;
        public Pointer ppSubMetrics;

        public CUpti_Profiler_Host_GetSubMetrics_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pHostObject", "pMetricName", "pDescription", "pHwUnit", "pDimUnit", "metricType"})
    class CUpti_Profiler_Host_GetMetricProperties_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 60;
        public Pointer pHostObject;
        public String pMetricName;
        public Pointer pDescription;
        public Pointer pHwUnit;
        public Pointer pDimUnit;
        public int metricType;

        public CUpti_Profiler_Host_GetMetricProperties_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pHostObject", "pCounterDataImage", "counterDataImageSize", "rangeIndex", "ppMetricNames",
            "numMetrics", "pMetricValues"})
    class CUpti_Profiler_Host_EvaluateToGpuValues_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 72;
        public Pointer pHostObject;
        public Pointer pCounterDataImage;
        public long counterDataImageSize;
        public long rangeIndex;
        public Pointer ppMetricNames;
        public long numMetrics;
        public Pointer pMetricValues;

        public CUpti_Profiler_Host_EvaluateToGpuValues_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pHostObject", "ppMetricNames", "numMetrics"})
    class CUpti_Profiler_Host_ConfigAddMetrics_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 40;
        public Pointer pHostObject;
        public Pointer ppMetricNames;
        public long numMetrics;

        public CUpti_Profiler_Host_ConfigAddMetrics_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pHostObject", "configImageSize"})
    class CUpti_Profiler_Host_GetConfigImageSize_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 32;
        public Pointer pHostObject;
        public long configImageSize;

        public CUpti_Profiler_Host_GetConfigImageSize_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pHostObject", "configImageSize", "pConfigImage"})
    class CUpti_Profiler_Host_GetConfigImage_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 40;
        public Pointer pHostObject;
        public long configImageSize;
        public Pointer pConfigImage;

        public CUpti_Profiler_Host_GetConfigImage_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"configImageSize", "pConfigImage", "numOfPasses"})
    class CUpti_Profiler_Host_GetNumOfPasses_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 40;
        public long configImageSize;
        public Pointer pConfigImage;
        public long numOfPasses;

        public CUpti_Profiler_Host_GetNumOfPasses_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"profilerType", "pChipName", "pCounterAvailabilityImage", "maxMetricsPerPass"})
    class CUpti_Profiler_Host_GetMaxNumHardwareMetricsPerPass_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 48;
        public int profilerType;
        public String pChipName;
        public Pointer pCounterAvailabilityImage;
        public long maxMetricsPerPass;

        public CUpti_Profiler_Host_GetMaxNumHardwareMetricsPerPass_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pPmSamplingObject", "configSize", "pConfig", "hardwareBufferSize", "samplingInterval",
            "triggerMode", "hwBufferAppendMode"})
    class CUpti_PmSampling_SetConfig_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 64;
        public Pointer pPmSamplingObject;
        public long configSize;
        public Pointer pConfig;
        public long hardwareBufferSize;
        public long samplingInterval;
        public int triggerMode;
        public int hwBufferAppendMode;

        public CUpti_PmSampling_SetConfig_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"deviceIndex", "pPmSamplingObject"})
    class CUpti_PmSampling_Enable_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 32;
        public long deviceIndex;
        public Pointer pPmSamplingObject;

        public CUpti_PmSampling_Enable_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pPmSamplingObject"})
    class CUpti_PmSampling_Disable_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 24;
        public Pointer pPmSamplingObject;

        public CUpti_PmSampling_Disable_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pPmSamplingObject"})
    class CUpti_PmSampling_Start_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 24;
        public Pointer pPmSamplingObject;

        public CUpti_PmSampling_Start_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pPmSamplingObject"})
    class CUpti_PmSampling_Stop_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 24;
        public Pointer pPmSamplingObject;

        public CUpti_PmSampling_Stop_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pPmSamplingObject", "pCounterDataImage", "counterDataImageSize", "decodeStopReason", "overflow"})
    class CUpti_PmSampling_DecodeData_Params extends CuptiParams {
        /** 45, not JNA's 48: the header's macro stops after the one-byte {@code overflow}. */
        public static final long STRUCT_SIZE = 45;
        public Pointer pPmSamplingObject;
        public Pointer pCounterDataImage;
        public long counterDataImageSize;
        public int decodeStopReason;
        public byte overflow;

        public CUpti_PmSampling_DecodeData_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"deviceIndex", "counterAvailabilityImageSize", "pCounterAvailabilityImage"})
    class CUpti_PmSampling_GetCounterAvailability_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 40;
        public long deviceIndex;
        public long counterAvailabilityImageSize;
        public Pointer pCounterAvailabilityImage;

        public CUpti_PmSampling_GetCounterAvailability_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pPmSamplingObject", "pMetricNames", "numMetrics", "maxSamples", "counterDataSize"})
    class CUpti_PmSampling_GetCounterDataSize_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 56;
        public Pointer pPmSamplingObject;
        public Pointer pMetricNames;
        public long numMetrics;
        public int maxSamples;
        public long counterDataSize;

        public CUpti_PmSampling_GetCounterDataSize_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pPmSamplingObject", "counterDataSize", "pCounterData"})
    class CUpti_PmSampling_CounterDataImage_Initialize_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 40;
        public Pointer pPmSamplingObject;
        public long counterDataSize;
        public Pointer pCounterData;

        public CUpti_PmSampling_CounterDataImage_Initialize_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pCounterDataImage", "counterDataImageSize", "numTotalSamples", "numPopulatedSamples",
            "numCompletedSamples"})
    class CUpti_PmSampling_GetCounterDataInfo_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 56;
        public Pointer pCounterDataImage;
        public long counterDataImageSize;
        public long numTotalSamples;
        public long numPopulatedSamples;
        public long numCompletedSamples;

        public CUpti_PmSampling_GetCounterDataInfo_Params() {
            super(STRUCT_SIZE);
        }
    }

    @FieldOrder({"pPmSamplingObject", "pCounterDataImage", "counterDataImageSize", "sampleIndex", "startTimestamp",
            "endTimestamp"})
    class CUpti_PmSampling_CounterData_GetSampleInfo_Params extends CuptiParams {
        public static final long STRUCT_SIZE = 64;
        public Pointer pPmSamplingObject;
        public Pointer pCounterDataImage;
        public long counterDataImageSize;
        public long sampleIndex;
        public long startTimestamp;
        public long endTimestamp;

        public CUpti_PmSampling_CounterData_GetSampleInfo_Params() {
            super(STRUCT_SIZE);
        }
    }
}
