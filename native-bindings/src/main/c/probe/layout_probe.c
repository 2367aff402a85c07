/*
 * Prints the size and field offsets of every NVML structure the simulated library uses.
 * build.sh compiles it once against Debian's real nvml.h and once against sim_nvml_types.h and
 * fails the build if the two outputs differ, so our own declarations keep NVML's ABI.
 */
#include <stddef.h>
#include <stdio.h>

#include "../sim_internal.h"

#define SIZE(t) printf("sizeof %s %zu\n", #t, sizeof(t))
#define OFF(t, f) printf("offsetof %s.%s %zu\n", #t, #f, offsetof(t, f))

int main(void) {
    SIZE(nvmlPciInfo_t);
    OFF(nvmlPciInfo_t, busIdLegacy); OFF(nvmlPciInfo_t, domain); OFF(nvmlPciInfo_t, bus);
    OFF(nvmlPciInfo_t, device); OFF(nvmlPciInfo_t, pciDeviceId); OFF(nvmlPciInfo_t, pciSubSystemId);
    OFF(nvmlPciInfo_t, busId);
    SIZE(nvmlUtilization_t); OFF(nvmlUtilization_t, gpu); OFF(nvmlUtilization_t, memory);
    SIZE(nvmlMemory_t); OFF(nvmlMemory_t, total); OFF(nvmlMemory_t, free); OFF(nvmlMemory_t, used);
    SIZE(nvmlMemory_v2_t); OFF(nvmlMemory_v2_t, version); OFF(nvmlMemory_v2_t, total);
    OFF(nvmlMemory_v2_t, reserved); OFF(nvmlMemory_v2_t, free); OFF(nvmlMemory_v2_t, used);
    printf("nvmlMemory_v2 0x%x\n", nvmlMemory_v2);
    SIZE(nvmlBAR1Memory_t); OFF(nvmlBAR1Memory_t, bar1Total); OFF(nvmlBAR1Memory_t, bar1Free);
    OFF(nvmlBAR1Memory_t, bar1Used);
    SIZE(nvmlProcessInfo_t); OFF(nvmlProcessInfo_t, pid); OFF(nvmlProcessInfo_t, usedGpuMemory);
    OFF(nvmlProcessInfo_t, gpuInstanceId); OFF(nvmlProcessInfo_t, computeInstanceId);
    SIZE(nvmlProcessInfo_v2_t); OFF(nvmlProcessInfo_v2_t, pid); OFF(nvmlProcessInfo_v2_t, usedGpuMemory);
    OFF(nvmlProcessInfo_v2_t, gpuInstanceId); OFF(nvmlProcessInfo_v2_t, computeInstanceId);
    SIZE(nvmlProcessUtilizationSample_t); OFF(nvmlProcessUtilizationSample_t, pid);
    OFF(nvmlProcessUtilizationSample_t, timeStamp); OFF(nvmlProcessUtilizationSample_t, smUtil);
    OFF(nvmlProcessUtilizationSample_t, memUtil); OFF(nvmlProcessUtilizationSample_t, encUtil);
    OFF(nvmlProcessUtilizationSample_t, decUtil);
    SIZE(nvmlValue_t);
    SIZE(nvmlFieldValue_t); OFF(nvmlFieldValue_t, fieldId); OFF(nvmlFieldValue_t, scopeId);
    OFF(nvmlFieldValue_t, timestamp); OFF(nvmlFieldValue_t, latencyUsec); OFF(nvmlFieldValue_t, valueType);
    OFF(nvmlFieldValue_t, nvmlReturn); OFF(nvmlFieldValue_t, value);
    SIZE(nvmlEventData_t); OFF(nvmlEventData_t, device); OFF(nvmlEventData_t, eventType);
    OFF(nvmlEventData_t, eventData); OFF(nvmlEventData_t, gpuInstanceId); OFF(nvmlEventData_t, computeInstanceId);
    SIZE(nvmlGpmMetric_t); OFF(nvmlGpmMetric_t, metricId); OFF(nvmlGpmMetric_t, nvmlReturn);
    OFF(nvmlGpmMetric_t, value); OFF(nvmlGpmMetric_t, metricInfo.shortName);
    OFF(nvmlGpmMetric_t, metricInfo.longName); OFF(nvmlGpmMetric_t, metricInfo.unit);
    SIZE(nvmlGpmMetricsGet_t); OFF(nvmlGpmMetricsGet_t, version); OFF(nvmlGpmMetricsGet_t, numMetrics);
    OFF(nvmlGpmMetricsGet_t, sample1); OFF(nvmlGpmMetricsGet_t, sample2); OFF(nvmlGpmMetricsGet_t, metrics);
    SIZE(nvmlGpmSupport_t); OFF(nvmlGpmSupport_t, version); OFF(nvmlGpmSupport_t, isSupportedDevice);
    SIZE(nvmlDeviceAttributes_t); OFF(nvmlDeviceAttributes_t, multiprocessorCount);
    OFF(nvmlDeviceAttributes_t, gpuInstanceSliceCount); OFF(nvmlDeviceAttributes_t, computeInstanceSliceCount);
    OFF(nvmlDeviceAttributes_t, memorySizeMB);
    SIZE(nvmlReturn_t); SIZE(nvmlClockType_t); SIZE(nvmlPstates_t); SIZE(nvmlEnableState_t);
    SIZE(nvmlTemperatureSensors_t); SIZE(nvmlPcieUtilCounter_t); SIZE(nvmlMemoryErrorType_t);
    SIZE(nvmlEccCounterType_t); SIZE(nvmlPageRetirementCause_t); SIZE(nvmlDeviceArchitecture_t);
    SIZE(nvmlValueType_t);
    /* Constants whose values are ABI. */
    printf("consts %d %d %d %d %d %d %d %d %d\n", NVML_CLOCK_SM, NVML_CLOCK_MEM, NVML_PCIE_UTIL_RX_BYTES,
           NVML_ERROR_GPU_IS_LOST, NVML_ERROR_ARGUMENT_VERSION_MISMATCH, NVML_ERROR_UNKNOWN,
           NVML_GPM_METRIC_MAX, NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_RX, NVML_DEVICE_ARCH_HOPPER);
    printf("interconnect fields %d %d %d %d %d\n", NVML_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL,
           NVML_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL, NVML_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL,
           NVML_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL, NVML_FI_DEV_PCIE_REPLAY_COUNTER);
    printf("events 0x%llx\n", (unsigned long long)(nvmlEventTypeXidCriticalError | nvmlEventTypeClock));
    return 0;
}
