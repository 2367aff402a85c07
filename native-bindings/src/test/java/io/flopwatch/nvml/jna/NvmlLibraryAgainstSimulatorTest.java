package io.flopwatch.nvml.jna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.NvmlLibrary.nvmlDevice_t;
import io.flopwatch.nvml.jna.NvmlLibrary.nvmlEventSet_t;
import io.flopwatch.nvml.jna.NvmlLibrary.nvmlGpmSample_t;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every method of {@link NvmlLibrary}, called through JNA's interface mapping (with its
 * {@code Structure}s, which the session's hot path does not use) against the simulated
 * library playing scenarios/two-devices.scenario, clock frozen at 2 s. A recording proxy
 * proves that no mapped function was left out.
 */
class NvmlLibraryAgainstSimulatorTest {

    private final Set<String> called = new TreeSet<>();

    @Test
    void everyMappedFunctionAnswersThroughJna() throws Exception {
        SimulatorControl.freezeClockAt(2);
        // The session owns the simulator's scenario and init; the raw calls below share them.
        try (NvmlSession session = NvmlSource.simulated(scenario()).open()) {
            NvmlLibrary real = NvmlLoader.load(List.of(NvmlLoader.SIMULATED_NAME)).api();
            NvmlLibrary nvml = (NvmlLibrary) Proxy.newProxyInstance(NvmlLibrary.class.getClassLoader(),
                    new Class<?>[] {NvmlLibrary.class}, (proxy, method, args) -> {
                        called.add(method.getName());
                        return method.invoke(real, args);
                    });
            exercise(nvml);
        } finally {
            SimulatorControl.runClock();
        }
        Set<String> mapped = Arrays.stream(NvmlLibrary.class.getDeclaredMethods()).map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        mapped.removeAll(called);
        assertTrue(mapped.isEmpty(), "mapped but not exercised: " + mapped);
    }

    private static Path scenario() throws URISyntaxException {
        return Path.of(NvmlLibraryAgainstSimulatorTest.class.getResource("/scenarios/two-devices.scenario").toURI());
    }

    private static void ok(int rc) {
        assertEquals(0, rc, "NVML return code");
    }

    private static void exercise(NvmlLibrary nvml) {
        // nvmlInit_v2 / nvmlInitWithFlags / nvmlShutdown: reference-counted, balanced here.
        ok(nvml.nvmlInit_v2());
        ok(nvml.nvmlInitWithFlags(0));
        ok(nvml.nvmlShutdown());
        ok(nvml.nvmlShutdown());
        assertEquals("Driver Not Loaded", nvml.nvmlErrorString(9));

        byte[] text = new byte[96];
        ok(nvml.nvmlSystemGetDriverVersion(text, text.length));
        assertEquals("535.261.03", Native.toString(text));
        ok(nvml.nvmlSystemGetNVMLVersion(text, text.length));
        assertEquals("12.535.261.03", Native.toString(text));
        IntByReference i1 = new IntByReference();
        IntByReference i2 = new IntByReference();
        IntByReference i3 = new IntByReference();
        IntByReference i4 = new IntByReference();
        LongByReference l1 = new LongByReference();
        ok(nvml.nvmlSystemGetCudaDriverVersion(i1));
        assertEquals(12020, i1.getValue());
        ok(nvml.nvmlSystemGetCudaDriverVersion_v2(i1));
        assertEquals(12020, i1.getValue());
        ok(nvml.nvmlDeviceGetCount_v2(i1));
        assertEquals(2, i1.getValue());

        nvmlDevice_t.ByReference ref = new nvmlDevice_t.ByReference();
        ok(nvml.nvmlDeviceGetHandleByIndex_v2(0, ref));
        nvmlDevice_t h100 = ref.getValue();
        ok(nvml.nvmlDeviceGetHandleByUUID("GPU-5afe0001-0000-4000-8000-000000000001", ref));
        ok(nvml.nvmlDeviceGetIndex(ref.getValue(), i1));
        assertEquals(1, i1.getValue());
        ok(nvml.nvmlDeviceGetHandleByPciBusId_v2("00000000:18:00.0", ref));
        assertEquals(h100, ref.getValue());

        ok(nvml.nvmlDeviceGetName(h100, text, text.length));
        assertEquals("NVIDIA H100 80GB HBM3 (Simulated)", Native.toString(text));
        ok(nvml.nvmlDeviceGetUUID(h100, text, text.length));
        assertEquals("GPU-5afe0000-0000-4000-8000-000000000000", Native.toString(text));
        ok(nvml.nvmlDeviceGetSerial(h100, text, 30));
        assertEquals("1650000000001", Native.toString(text));
        NvmlLibrary.nvmlPciInfo_t pci = new NvmlLibrary.nvmlPciInfo_t();
        ok(nvml.nvmlDeviceGetPciInfo_v3(h100, pci));
        assertEquals("00000000:18:00.0", Native.toString(pci.busId));
        assertEquals("0000:18:00.0", Native.toString(pci.busIdLegacy));
        assertEquals(0x18, pci.bus);
        assertEquals(0x233010DE, pci.pciDeviceId);
        assertEquals(0x16C110DE, pci.pciSubSystemId);
        ok(nvml.nvmlDeviceGetArchitecture(h100, i1));
        assertEquals(9, i1.getValue()); // NVML_DEVICE_ARCH_HOPPER
        ok(nvml.nvmlDeviceGetCudaComputeCapability(h100, i1, i2));
        assertEquals(List.of(9, 0), List.of(i1.getValue(), i2.getValue()));
        ok(nvml.nvmlDeviceGetNumGpuCores(h100, i1));
        assertEquals(16896, i1.getValue());
        ok(nvml.nvmlDeviceGetMinorNumber(h100, i1));
        assertEquals(0, i1.getValue());

        NvmlLibrary.nvmlMemory_t mem = new NvmlLibrary.nvmlMemory_t();
        ok(nvml.nvmlDeviceGetMemoryInfo(h100, mem));
        assertEquals(81559L << 20, mem.total);
        assertEquals(40L << 30, mem.used);
        NvmlLibrary.nvmlMemory_v2_t mem2 = new NvmlLibrary.nvmlMemory_v2_t();
        mem2.version = NvmlLibrary.nvmlMemory_v2_t.VERSION;
        ok(nvml.nvmlDeviceGetMemoryInfo_v2(h100, mem2));
        assertEquals(512L << 20, mem2.reserved);
        assertEquals(mem2.total - mem2.used, mem2.free);
        NvmlLibrary.nvmlBAR1Memory_t bar1 = new NvmlLibrary.nvmlBAR1Memory_t();
        ok(nvml.nvmlDeviceGetBAR1MemoryInfo(h100, bar1));
        assertEquals(128L << 30, bar1.bar1Total);
        assertEquals(2L << 20, bar1.bar1Used);

        NvmlLibrary.nvmlUtilization_t util = new NvmlLibrary.nvmlUtilization_t();
        ok(nvml.nvmlDeviceGetUtilizationRates(h100, util));
        assertEquals(List.of(97, 45), List.of(util.gpu, util.memory));
        ok(nvml.nvmlDeviceGetEncoderUtilization(h100, i1, i2));
        assertEquals(166667, i2.getValue());
        ok(nvml.nvmlDeviceGetDecoderUtilization(h100, i1, i2));

        ok(nvml.nvmlDeviceGetClockInfo(h100, 1, i1));
        assertEquals(1755, i1.getValue());
        ok(nvml.nvmlDeviceGetMaxClockInfo(h100, 1, i1));
        assertEquals(1980, i1.getValue());
        ok(nvml.nvmlDeviceGetApplicationsClock(h100, 2, i1));
        assertEquals(2619, i1.getValue());
        ok(nvml.nvmlDeviceGetPerformanceState(h100, i1));
        assertEquals(0, i1.getValue());
        ok(nvml.nvmlDeviceGetCurrentClocksThrottleReasons(h100, l1));
        assertEquals(0x4, l1.getValue());
        ok(nvml.nvmlDeviceGetCurrentClocksEventReasons(h100, l1));
        assertEquals(0x4, l1.getValue());

        ok(nvml.nvmlDeviceGetPowerUsage(h100, i1));
        assertEquals(650000, i1.getValue());
        ok(nvml.nvmlDeviceGetEnforcedPowerLimit(h100, i1));
        assertEquals(700000, i1.getValue());
        ok(nvml.nvmlDeviceGetPowerManagementLimit(h100, i1));
        assertEquals(700000, i1.getValue());
        ok(nvml.nvmlDeviceGetTotalEnergyConsumption(h100, l1));
        assertEquals(1_000_000L + 650_000L * 2, l1.getValue()); // offset + mW × s
        ok(nvml.nvmlDeviceGetTemperature(h100, 0, i1));
        assertEquals(62, i1.getValue());
        assertEquals(3, nvml.nvmlDeviceGetFanSpeed(h100, i1)); // no fan in the scenario: NOT_SUPPORTED

        ok(nvml.nvmlDeviceGetPcieThroughput(h100, 0, i1));
        assertEquals(2048, i1.getValue());
        ok(nvml.nvmlDeviceGetCurrPcieLinkGeneration(h100, i1));
        ok(nvml.nvmlDeviceGetCurrPcieLinkWidth(h100, i2));
        assertEquals(List.of(5, 16), List.of(i1.getValue(), i2.getValue()));
        ok(nvml.nvmlDeviceGetMaxPcieLinkGeneration(h100, i1));
        ok(nvml.nvmlDeviceGetMaxPcieLinkWidth(h100, i2));
        assertEquals(List.of(5, 16), List.of(i1.getValue(), i2.getValue()));
        ok(nvml.nvmlDeviceGetNvLinkState(h100, 17, i1));
        assertEquals(1, i1.getValue());
        assertEquals(3, nvml.nvmlDeviceGetPcieReplayCounter(h100, i1)); // no pcie_replays_per_s: NOT_SUPPORTED

        ok(nvml.nvmlDeviceGetTotalEccErrors(h100, 0, 1, l1));
        assertEquals(10, l1.getValue());
        assertEquals(3, nvml.nvmlDeviceGetRetiredPages(h100, 0, i1, null)); // Hopper remaps rows instead
        ok(nvml.nvmlDeviceGetRemappedRows(h100, i1, i2, i3, i4));
        assertEquals(List.of(2, 1, 0, 0), List.of(i1.getValue(), i2.getValue(), i3.getValue(), i4.getValue()));
        ok(nvml.nvmlDeviceGetMigMode(h100, i1, i2));
        assertEquals(List.of(0, 0), List.of(i1.getValue(), i2.getValue()));

        NvmlLibrary.nvmlProcessInfo_t[] procs = (NvmlLibrary.nvmlProcessInfo_t[]) new NvmlLibrary.nvmlProcessInfo_t().toArray(4);
        i1.setValue(4);
        ok(nvml.nvmlDeviceGetComputeRunningProcesses_v3(h100, i1, procs));
        assertEquals(2, i1.getValue());
        assertEquals(4242, procs[0].pid);
        assertEquals(38L << 30, procs[0].usedGpuMemory);
        assertEquals(0xFFFFFFFF, procs[0].gpuInstanceId);
        NvmlLibrary.nvmlProcessInfo_v2_t[] procs2 =
                (NvmlLibrary.nvmlProcessInfo_v2_t[]) new NvmlLibrary.nvmlProcessInfo_v2_t().toArray(4);
        i1.setValue(4);
        ok(nvml.nvmlDeviceGetComputeRunningProcesses_v2(h100, i1, procs2));
        assertEquals(4243, procs2[1].pid);
        NvmlLibrary.nvmlProcessUtilizationSample_t[] samples =
                (NvmlLibrary.nvmlProcessUtilizationSample_t[]) new NvmlLibrary.nvmlProcessUtilizationSample_t().toArray(4);
        i1.setValue(4);
        ok(nvml.nvmlDeviceGetProcessUtilization(h100, samples, i1, 0));
        assertEquals(1, i1.getValue());
        assertEquals(List.of(4242, 90, 40), List.of(samples[0].pid, samples[0].smUtil, samples[0].memUtil));
        assertEquals(1_700_000_002_000_000L, samples[0].timeStamp);

        NvmlLibrary.nvmlFieldValue_t[] fields = (NvmlLibrary.nvmlFieldValue_t[]) new NvmlLibrary.nvmlFieldValue_t().toArray(2);
        fields[0].fieldId = 165; // NVML_FI_DEV_NVLINK_GET_STATE, scenario: 1 (uint)
        fields[0].scopeId = 1;
        fields[1].fieldId = 139; // NVLINK_THROUGHPUT_DATA_RX, all links: 18 432 000 KiB/s × 2 s
        fields[1].scopeId = 0xFFFFFFFF;
        ok(nvml.nvmlDeviceGetFieldValues(h100, 2, fields));
        fields[0].value.setType(int.class);
        fields[0].value.read();
        assertEquals(List.of(0, 1, 1), List.of(fields[0].nvmlReturn, fields[0].valueType, fields[0].value.uiVal));
        fields[1].value.setType(long.class);
        fields[1].value.read();
        assertEquals(36_864_000L, fields[1].value.ullVal);

        NvmlLibrary.nvmlGpmSupport_t support = new NvmlLibrary.nvmlGpmSupport_t();
        support.version = NvmlLibrary.nvmlGpmSupport_t.VERSION;
        ok(nvml.nvmlGpmQueryDeviceSupport(h100, support));
        assertEquals(1, support.isSupportedDevice);
        nvmlGpmSample_t.ByReference s = new nvmlGpmSample_t.ByReference();
        ok(nvml.nvmlGpmSampleAlloc(s));
        nvmlGpmSample_t s1 = s.getValue();
        ok(nvml.nvmlGpmSampleAlloc(s));
        nvmlGpmSample_t s2 = s.getValue();
        ok(nvml.nvmlGpmSampleGet(h100, s1));
        ok(nvml.nvmlGpmSampleGet(h100, s2));
        assertEquals(3, nvml.nvmlGpmMigSampleGet(h100, 0, s2)); // MIG off: NOT_SUPPORTED
        NvmlLibrary.nvmlGpmMetricsGet_t get = new NvmlLibrary.nvmlGpmMetricsGet_t();
        get.version = NvmlLibrary.nvmlGpmMetricsGet_t.VERSION;
        get.numMetrics = 2; // of the 333 allocated
        get.sample1 = s1;
        get.sample2 = s2;
        get.metrics[0].metricId = 2;  // SM_UTIL, scenario 88
        get.metrics[1].metricId = 10; // DRAM_BW_UTIL, scenario 35
        ok(nvml.nvmlGpmMetricsGet(get));
        assertEquals(List.of(0, 0), List.of(get.metrics[0].nvmlReturn, get.metrics[1].nvmlReturn));
        assertEquals(88.0, get.metrics[0].value);
        assertEquals(35.0, get.metrics[1].value);
        assertNotNull(get.metrics[0].metricInfo.shortName);
        ok(nvml.nvmlGpmSampleFree(s1));
        ok(nvml.nvmlGpmSampleFree(s2));

        nvmlEventSet_t.ByReference setRef = new nvmlEventSet_t.ByReference();
        ok(nvml.nvmlEventSetCreate(setRef));
        nvmlEventSet_t set = setRef.getValue();
        ok(nvml.nvmlDeviceGetSupportedEventTypes(h100, l1));
        assertTrue((l1.getValue() & 0x8) != 0);
        ok(nvml.nvmlDeviceRegisterEvents(h100, 0x8, set)); // nvmlEventTypeXidCriticalError
        NvmlLibrary.nvmlEventData_t event = new NvmlLibrary.nvmlEventData_t();
        ok(nvml.nvmlEventSetWait_v2(set, event, 1000));
        assertEquals(h100, event.device);
        assertEquals(List.of(0x8L, 79L), List.of(event.eventType, event.eventData));
        assertEquals(0xFFFFFFFF, event.computeInstanceId);
        ok(nvml.nvmlEventSetFree(set));

        // MIG is off on this device: the MIG calls answer as nvml.h documents for a GPU handle
        // (MIG devices themselves: SimulatedMigTest, on a MIG scenario).
        IntByReference count = new IntByReference(-1);
        ok(nvml.nvmlDeviceGetMaxMigDeviceCount(h100, count));
        assertEquals(0, count.getValue()); // "Returns zero if MIG is not supported or enabled."
        nvmlDevice_t.ByReference mig = new nvmlDevice_t.ByReference();
        assertEquals(3, nvml.nvmlDeviceGetMigDeviceHandleByIndex(h100, 0, mig)); // NOT_SUPPORTED
        ok(nvml.nvmlDeviceIsMigDeviceHandle(h100, count));
        assertEquals(0, count.getValue());
        assertEquals(2, nvml.nvmlDeviceGetGpuInstanceId(h100, count)); // not a MIG handle: INVALID_ARGUMENT
        assertEquals(2, nvml.nvmlDeviceGetComputeInstanceId(h100, count));
        assertEquals(2, nvml.nvmlDeviceGetDeviceHandleFromMigDeviceHandle(h100, mig));
        assertEquals(3, nvml.nvmlDeviceGetAttributes_v2(h100, new NvmlLibrary.nvmlDeviceAttributes_t()));
    }
}
