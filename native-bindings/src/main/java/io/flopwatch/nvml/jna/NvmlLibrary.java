package io.flopwatch.nvml.jna;

import com.sun.jna.Library;
import com.sun.jna.NativeLong;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;
import com.sun.jna.Union;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * NVML ({@code libnvidia-ml.so.1}) transcribed from Debian's nvml.h (CUDA 11.8, driver 535),
 * plus the few newer functions flopwatch uses ({@code nvmlDeviceGetCurrentClocksEventReasons},
 * {@code nvmlGpmMigSampleGet}; CUDA 12.x headers). Exact exported symbol names: where the
 * header maps a plain name to a versioned one with {@code #define} (nvmlInit → nvmlInit_v2, …)
 * the versioned symbol is declared here, since JNA binds symbols, not macros.
 *
 * <p>Conventions: every function returns the {@code nvmlReturn_t} as {@code int}; unsigned
 * C ints arrive as Java {@code int} (read with {@link Integer#toUnsignedLong}), unsigned long
 * long as {@code long}; out-parameters are by-reference types; opaque handles are the typed
 * {@link PointerType}s below; C structs are {@link Structure}s in C field order, checked against
 * the real header by {@code NvmlAbiConformanceTest}.
 *
 * <p>This interface is for calls that are rare (inventory, versions, process lists, events):
 * its {@code Structure} arguments cost reflection on every call. The per-cycle sampling calls
 * go through {@link NvmlHotPath} instead. Not part of flopwatch's API: only
 * {@link JnaNvmlSession} uses it.
 */
public interface NvmlLibrary extends Library {

    // ---- opaque handles -------------------------------------------------------------------

    /** {@code typedef struct nvmlDevice_st* nvmlDevice_t;} */
    final class nvmlDevice_t extends PointerType {
        public nvmlDevice_t() {
        }

        public nvmlDevice_t(Pointer p) {
            super(p);
        }

        /** {@code nvmlDevice_t*} out-parameter. */
        public static final class ByReference extends com.sun.jna.ptr.ByReference {
            public ByReference() {
                super(Native.POINTER_SIZE);
            }

            public nvmlDevice_t getValue() {
                return new nvmlDevice_t(getPointer().getPointer(0));
            }
        }
    }

    /** {@code typedef struct nvmlEventSet_st* nvmlEventSet_t;} */
    final class nvmlEventSet_t extends PointerType {
        public nvmlEventSet_t() {
        }

        public nvmlEventSet_t(Pointer p) {
            super(p);
        }

        /** {@code nvmlEventSet_t*} out-parameter. */
        public static final class ByReference extends com.sun.jna.ptr.ByReference {
            public ByReference() {
                super(Native.POINTER_SIZE);
            }

            public nvmlEventSet_t getValue() {
                return new nvmlEventSet_t(getPointer().getPointer(0));
            }
        }
    }

    /** {@code typedef struct nvmlGpmSample_st* nvmlGpmSample_t;} */
    final class nvmlGpmSample_t extends PointerType {
        public nvmlGpmSample_t() {
        }

        public nvmlGpmSample_t(Pointer p) {
            super(p);
        }

        /** {@code nvmlGpmSample_t*} out-parameter. */
        public static final class ByReference extends com.sun.jna.ptr.ByReference {
            public ByReference() {
                super(Native.POINTER_SIZE);
            }

            public nvmlGpmSample_t getValue() {
                return new nvmlGpmSample_t(getPointer().getPointer(0));
            }
        }
    }

    // ---- structures (C field order; sizes and offsets checked against nvml.h) ---------------

    /** Base of the NVML structures: exposes field offsets for the ABI conformance test. */
    abstract class NvmlStructure extends Structure {
        protected NvmlStructure() {
        }

        protected NvmlStructure(Pointer p) {
            super(p);
        }

        /** Offset of {@code field} in bytes, as JNA lays the structure out. */
        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** {@code nvmlPciInfo_t} (nvmlDeviceGetPciInfo_v3). */
    @FieldOrder({"busIdLegacy", "domain", "bus", "device", "pciDeviceId", "pciSubSystemId", "busId"})
    class nvmlPciInfo_t extends NvmlStructure {
        public byte[] busIdLegacy = new byte[16];   // NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE
        public int domain;
        public int bus;
        public int device;
        public int pciDeviceId;
        public int pciSubSystemId;
        public byte[] busId = new byte[32];          // NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE
    }

    /** {@code nvmlMemory_t}: bytes. */
    @FieldOrder({"total", "free", "used"})
    class nvmlMemory_t extends NvmlStructure {
        public long total;
        public long free;
        public long used;
    }

    /** {@code nvmlMemory_v2_t}: bytes; {@code version} must be {@link #VERSION}. */
    @FieldOrder({"version", "total", "reserved", "free", "used"})
    class nvmlMemory_v2_t extends NvmlStructure {
        /** NVML_STRUCT_VERSION(Memory, 2) = sizeof(nvmlMemory_v2_t) | 2 << 24 (nvml.h). */
        public static final int VERSION = 40 | 2 << 24;
        public int version;
        public long total;
        public long reserved;
        public long free;
        public long used;
    }

    /** {@code nvmlBAR1Memory_t}: bytes. */
    @FieldOrder({"bar1Total", "bar1Free", "bar1Used"})
    class nvmlBAR1Memory_t extends NvmlStructure {
        public long bar1Total;
        public long bar1Free;
        public long bar1Used;
    }

    /** {@code nvmlUtilization_t}: percent. */
    @FieldOrder({"gpu", "memory"})
    class nvmlUtilization_t extends NvmlStructure {
        public int gpu;
        public int memory;
    }

    /** {@code nvmlProcessInfo_t} (nvmlDeviceGetComputeRunningProcesses_v3). */
    @FieldOrder({"pid", "usedGpuMemory", "gpuInstanceId", "computeInstanceId"})
    class nvmlProcessInfo_t extends NvmlStructure {
        public int pid;
        public long usedGpuMemory;
        public int gpuInstanceId;
        public int computeInstanceId;
    }

    /** {@code nvmlProcessInfo_v2_t} (…_v2): the same layout as {@code nvmlProcessInfo_t} in nvml.h. */
    class nvmlProcessInfo_v2_t extends nvmlProcessInfo_t {
    }

    /** {@code nvmlProcessUtilizationSample_t}: percent; timeStamp µs since the epoch. */
    @FieldOrder({"pid", "timeStamp", "smUtil", "memUtil", "encUtil", "decUtil"})
    class nvmlProcessUtilizationSample_t extends NvmlStructure {
        public int pid;
        public long timeStamp;
        public int smUtil;
        public int memUtil;
        public int encUtil;
        public int decUtil;
    }

    /** {@code nvmlValue_t}, the union inside {@code nvmlFieldValue_t}. */
    class nvmlValue_t extends Union {
        public double dVal;
        public int uiVal;
        public NativeLong ulVal;
        public long ullVal;
        public long sllVal;
    }

    /** {@code nvmlFieldValue_t}. */
    @FieldOrder({"fieldId", "scopeId", "timestamp", "latencyUsec", "valueType", "nvmlReturn", "value"})
    class nvmlFieldValue_t extends NvmlStructure {
        public int fieldId;
        public int scopeId;
        public long timestamp;
        public long latencyUsec;
        public int valueType;
        public int nvmlReturn;
        public nvmlValue_t value;
    }

    /** {@code nvmlEventData_t}. */
    @FieldOrder({"device", "eventType", "eventData", "gpuInstanceId", "computeInstanceId"})
    class nvmlEventData_t extends NvmlStructure {
        public nvmlDevice_t device;
        public long eventType;
        public long eventData;
        public int gpuInstanceId;
        public int computeInstanceId;
    }

    /** {@code nvmlGpmSupport_t}; {@code version} must be {@link #VERSION}. */
    @FieldOrder({"version", "isSupportedDevice"})
    class nvmlGpmSupport_t extends NvmlStructure {
        /** NVML_GPM_SUPPORT_VERSION. */
        public static final int VERSION = 1;
        public int version;
        public int isSupportedDevice;
    }

    /** The anonymous {@code metricInfo} struct inside {@code nvmlGpmMetric_t}. */
    @FieldOrder({"shortName", "longName", "unit"})
    class nvmlGpmMetricInfo extends NvmlStructure {
        public Pointer shortName;
        public Pointer longName;
        public Pointer unit;
    }

    /** {@code nvmlGpmMetric_t}. */
    @FieldOrder({"metricId", "nvmlReturn", "value", "metricInfo"})
    class nvmlGpmMetric_t extends NvmlStructure {
        public int metricId;
        public int nvmlReturn;
        public double value;
        public nvmlGpmMetricInfo metricInfo;
    }

    /**
     * {@code nvmlGpmMetricsGet_t}, version 1. The C array {@code metrics[NVML_GPM_METRIC_MAX]}
     * has 98 entries in the CUDA 11.8 and 12.4 headers and 210, then 333 in later ones, with
     * the struct version still 1. This mapping allocates {@link #METRICS_CAPACITY} entries, the
     * largest known: the caller owns the buffer and tells NVML how many entries to read in
     * {@code numMetrics}, and NVML reads and writes only {@code metrics[0..numMetrics)}, so a
     * buffer larger than the library's own declaration is safe with every version, and a
     * library newer than this mapping is safe as long as {@code numMetrics} stays within the
     * entries allocated here.
     */
    @FieldOrder({"version", "numMetrics", "sample1", "sample2", "metrics"})
    class nvmlGpmMetricsGet_t extends NvmlStructure {
        /** NVML_GPM_METRICS_GET_VERSION. */
        public static final int VERSION = 1;
        /** The largest NVML_GPM_METRIC_MAX known (333). */
        public static final int METRICS_CAPACITY = 333;
        public int version;
        public int numMetrics;
        public nvmlGpmSample_t sample1;
        public nvmlGpmSample_t sample2;
        public nvmlGpmMetric_t[] metrics = (nvmlGpmMetric_t[]) new nvmlGpmMetric_t().toArray(METRICS_CAPACITY);
    }

    /**
     * {@code nvmlDeviceAttributes_t} (nvmlDeviceGetAttributes_v2; NVML answers it for MIG device
     * handles only). Memory in MiB.
     */
    @FieldOrder({"multiprocessorCount", "sharedCopyEngineCount", "sharedDecoderCount", "sharedEncoderCount",
            "sharedJpegCount", "sharedOfaCount", "gpuInstanceSliceCount", "computeInstanceSliceCount", "memorySizeMB"})
    class nvmlDeviceAttributes_t extends NvmlStructure {
        public int multiprocessorCount;
        public int sharedCopyEngineCount;
        public int sharedDecoderCount;
        public int sharedEncoderCount;
        public int sharedJpegCount;
        public int sharedOfaCount;
        public int gpuInstanceSliceCount;
        public int computeInstanceSliceCount;
        public long memorySizeMB;
    }

    // ---- functions --------------------------------------------------------------------------

    int nvmlInit_v2();

    int nvmlInitWithFlags(int flags);

    int nvmlShutdown();

    /** {@code const char* nvmlErrorString(nvmlReturn_t)}: a static string owned by NVML. */
    String nvmlErrorString(int result);

    int nvmlSystemGetDriverVersion(byte[] version, int length);

    int nvmlSystemGetNVMLVersion(byte[] version, int length);

    int nvmlSystemGetCudaDriverVersion(IntByReference cudaDriverVersion);

    int nvmlSystemGetCudaDriverVersion_v2(IntByReference cudaDriverVersion);

    int nvmlDeviceGetCount_v2(IntByReference deviceCount);

    int nvmlDeviceGetHandleByIndex_v2(int index, nvmlDevice_t.ByReference device);

    int nvmlDeviceGetHandleByUUID(String uuid, nvmlDevice_t.ByReference device);

    int nvmlDeviceGetHandleByPciBusId_v2(String pciBusId, nvmlDevice_t.ByReference device);

    int nvmlDeviceGetIndex(nvmlDevice_t device, IntByReference index);

    int nvmlDeviceGetName(nvmlDevice_t device, byte[] name, int length);

    int nvmlDeviceGetUUID(nvmlDevice_t device, byte[] uuid, int length);

    int nvmlDeviceGetSerial(nvmlDevice_t device, byte[] serial, int length);

    int nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t pci);

    int nvmlDeviceGetArchitecture(nvmlDevice_t device, IntByReference arch);

    int nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, IntByReference major, IntByReference minor);

    int nvmlDeviceGetNumGpuCores(nvmlDevice_t device, IntByReference numCores);

    int nvmlDeviceGetMinorNumber(nvmlDevice_t device, IntByReference minorNumber);

    int nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t memory);

    int nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t memory);

    int nvmlDeviceGetBAR1MemoryInfo(nvmlDevice_t device, nvmlBAR1Memory_t bar1Memory);

    int nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t utilization);

    int nvmlDeviceGetEncoderUtilization(nvmlDevice_t device, IntByReference utilization, IntByReference samplingPeriodUs);

    int nvmlDeviceGetDecoderUtilization(nvmlDevice_t device, IntByReference utilization, IntByReference samplingPeriodUs);

    /** {@code type}: nvmlClockType_t (0 graphics, 1 SM, 2 memory, 3 video); MHz. */
    int nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, IntByReference clockMHz);

    int nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, int type, IntByReference clockMHz);

    int nvmlDeviceGetApplicationsClock(nvmlDevice_t device, int clockType, IntByReference clockMHz);

    int nvmlDeviceGetPerformanceState(nvmlDevice_t device, IntByReference pState);

    int nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, LongByReference clocksThrottleReasons);

    /** Newer name of {@link #nvmlDeviceGetCurrentClocksThrottleReasons} (CUDA 12.2+), same bits. */
    int nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, LongByReference clocksEventReasons);

    /** Milliwatts. */
    int nvmlDeviceGetPowerUsage(nvmlDevice_t device, IntByReference powerMilliwatts);

    /** Milliwatts. */
    int nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, IntByReference limitMilliwatts);

    /** Milliwatts. */
    int nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, IntByReference limitMilliwatts);

    /** Millijoules since the driver was last reloaded. */
    int nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, LongByReference energyMillijoules);

    /** {@code sensorType}: nvmlTemperatureSensors_t, 0 = NVML_TEMPERATURE_GPU; °C. */
    int nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, IntByReference tempCelsius);

    int nvmlDeviceGetFanSpeed(nvmlDevice_t device, IntByReference speedPercent);

    /** {@code counter}: nvmlPcieUtilCounter_t (0 TX, 1 RX); KB/s. */
    int nvmlDeviceGetPcieThroughput(nvmlDevice_t device, int counter, IntByReference value);

    int nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, IntByReference currLinkGen);

    int nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, IntByReference currLinkWidth);

    int nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t device, IntByReference maxLinkGen);

    int nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t device, IntByReference maxLinkWidth);

    int nvmlDeviceGetNvLinkState(nvmlDevice_t device, int link, IntByReference isActive);

    /** PCIe replays (link-level retransmissions) since the driver loaded; unsigned int. */
    int nvmlDeviceGetPcieReplayCounter(nvmlDevice_t device, IntByReference value);

    /** {@code errorType}: nvmlMemoryErrorType_t; {@code counterType}: nvmlEccCounterType_t. */
    int nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int errorType, int counterType, LongByReference eccCounts);

    /** {@code addresses} may be null to query the count only. */
    int nvmlDeviceGetRetiredPages(nvmlDevice_t device, int cause, IntByReference pageCount, long[] addresses);

    int nvmlDeviceGetRemappedRows(nvmlDevice_t device, IntByReference corrRows, IntByReference uncRows,
                                  IntByReference isPending, IntByReference failureOccurred);

    int nvmlDeviceGetMigMode(nvmlDevice_t device, IntByReference currentMode, IntByReference pendingMode);

    /** {@code infos}: a contiguous array ({@link Structure#toArray}) or null to query the count. */
    int nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, IntByReference infoCount, nvmlProcessInfo_t[] infos);

    int nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, IntByReference infoCount, nvmlProcessInfo_v2_t[] infos);

    int nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t[] utilization,
                                        IntByReference processSamplesCount, long lastSeenTimeStamp);

    int nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount, nvmlFieldValue_t[] values);

    int nvmlGpmQueryDeviceSupport(nvmlDevice_t device, nvmlGpmSupport_t gpmSupport);

    int nvmlGpmSampleAlloc(nvmlGpmSample_t.ByReference gpmSample);

    int nvmlGpmSampleFree(nvmlGpmSample_t gpmSample);

    int nvmlGpmSampleGet(nvmlDevice_t device, nvmlGpmSample_t gpmSample);

    /** CUDA 12.x: a GPM sample of one MIG GPU instance. */
    int nvmlGpmMigSampleGet(nvmlDevice_t device, int gpuInstanceId, nvmlGpmSample_t gpmSample);

    int nvmlGpmMetricsGet(nvmlGpmMetricsGet_t metricsGet);

    int nvmlEventSetCreate(nvmlEventSet_t.ByReference set);

    int nvmlDeviceGetSupportedEventTypes(nvmlDevice_t device, LongByReference eventTypes);

    int nvmlDeviceRegisterEvents(nvmlDevice_t device, long eventTypes, nvmlEventSet_t set);

    int nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t data, int timeoutms);

    int nvmlEventSetFree(nvmlEventSet_t set);

    // ---- MIG: enumeration and reading only ---------------------------------------------------
    // flopwatch never changes the MIG layout: no nvmlDeviceSetMigMode, nvmlDeviceCreateGpuInstance,
    // nvmlGpuInstanceCreateComputeInstance or …Destroy is mapped (NvmlReadOnlyTest checks it).

    /** Zero when MIG is off or unsupported. */
    int nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, IntByReference count);

    /** NOT_FOUND when no MIG device exists at {@code index}. */
    int nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, int index, nvmlDevice_t.ByReference migDevice);

    int nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, IntByReference isMigDevice);

    int nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, IntByReference id);

    int nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, IntByReference id);

    int nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t migDevice, nvmlDevice_t.ByReference device);

    int nvmlDeviceGetAttributes_v2(nvmlDevice_t device, nvmlDeviceAttributes_t attributes);
}
