#!/usr/bin/env python3
"""Checks of the simulated NVML library (libnvidia-ml-sim.so) through ctypes alone:
NVML semantics (init refcount, error codes, buffer sizes), fault injection (error code, delay,
hang window), cumulative counters, GPM interval means and Xid events.

    python3 sim_checks.py --lib <libnvidia-ml-sim.so> --scenarios <dir of test scenarios>

Exit status 0 when every check passes. Time is driven with flopwatchSimSetFrozenClock, so the
checks do not depend on how fast the machine is; the only real waits are the injected 200 ms
delay (checked as a lower bound) and short event-wait timeouts.
"""
import argparse
import ctypes
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from ctypes import (POINTER, Structure, Union, byref, c_char, c_char_p, c_double, c_int,
                    c_uint, c_ulong, c_ulonglong, c_longlong, c_void_p, create_string_buffer)

LIB = None
SCENARIOS = None

SUCCESS, UNINITIALIZED, INVALID_ARGUMENT, NOT_SUPPORTED = 0, 1, 2, 3
NOT_FOUND, INSUFFICIENT_SIZE, DRIVER_NOT_LOADED, TIMEOUT = 6, 7, 9, 10
GPU_IS_LOST, ARGUMENT_VERSION_MISMATCH, UNKNOWN = 15, 25, 999
XID_EVENT = 0x8
GPM_SM_UTIL, GPM_ANY_TENSOR_UTIL, GPM_NVLINK_L0_TX, GPM_NVLINK_L3_TX = 2, 5, 63, 69


class ProcessInfo(Structure):
    _fields_ = [("pid", c_uint), ("usedGpuMemory", c_ulonglong),
                ("gpuInstanceId", c_uint), ("computeInstanceId", c_uint)]


class Value(Union):
    _fields_ = [("dVal", c_double), ("uiVal", c_uint), ("ulVal", c_ulong),
                ("ullVal", c_ulonglong), ("sllVal", c_longlong)]


class FieldValue(Structure):
    _fields_ = [("fieldId", c_uint), ("scopeId", c_uint), ("timestamp", c_longlong),
                ("latencyUsec", c_longlong), ("valueType", c_int), ("nvmlReturn", c_int),
                ("value", Value)]


class EventData(Structure):
    _fields_ = [("device", c_void_p), ("eventType", c_ulonglong), ("eventData", c_ulonglong),
                ("gpuInstanceId", c_uint), ("computeInstanceId", c_uint)]


class MetricInfo(Structure):
    _fields_ = [("shortName", c_char_p), ("longName", c_char_p), ("unit", c_char_p)]


class GpmMetric(Structure):
    _fields_ = [("metricId", c_uint), ("nvmlReturn", c_int), ("value", c_double),
                ("metricInfo", MetricInfo)]


def metrics_get_type(array_len):
    """nvmlGpmMetricsGet_t with the metrics[] length of a given NVML version (98, 210, 333)."""
    class MetricsGet(Structure):
        _fields_ = [("version", c_uint), ("numMetrics", c_uint), ("sample1", c_void_p),
                    ("sample2", c_void_p), ("metrics", GpmMetric * array_len)]
    return MetricsGet


def lib():
    return LIB


def scenario(name):
    return os.path.join(SCENARIOS, name).encode()


def handle(index):
    h = c_void_p()
    rc = LIB.nvmlDeviceGetHandleByIndex_v2(index, byref(h))
    assert rc == SUCCESS, rc
    return h


def u32(fn, *args):
    v = c_uint()
    rc = fn(*args, byref(v))
    return rc, v.value


class SimTest(unittest.TestCase):
    scenario_name = "two-devices.scenario"
    frozen_at = 5.0

    def setUp(self):
        LIB.flopwatchSimSetScenarioPath(scenario(self.scenario_name))
        LIB.flopwatchSimSetFrozenClock(c_double(self.frozen_at))
        rc = LIB.nvmlInit_v2()
        self.assertEqual(rc, SUCCESS, LIB.flopwatchSimLastError())

    def tearDown(self):
        while LIB.nvmlShutdown() == SUCCESS:
            pass
        LIB.flopwatchSimSetFrozenClock(c_double(-1))

    def at(self, seconds):
        LIB.flopwatchSimSetFrozenClock(c_double(seconds))


class Lifecycle(unittest.TestCase):
    def tearDown(self):
        while LIB.nvmlShutdown() == SUCCESS:
            pass

    def test_error_strings_without_init(self):
        # Texts of driver 535's nvmlErrorString (Debian libnvidia-ml1).
        for code, want in [(0, b"Success"), (1, b"Uninitialized"), (3, b"Not Supported"),
                           (9, b"Driver Not Loaded"), (15, b"GPU is lost"),
                           (999, b"Unknown Error"), (12345, b"Unknown Error")]:
            self.assertEqual(LIB.nvmlErrorString(code), want)

    def test_uninitialized_before_init(self):
        n = c_uint()
        self.assertEqual(LIB.nvmlDeviceGetCount_v2(byref(n)), UNINITIALIZED)
        self.assertEqual(LIB.nvmlShutdown(), UNINITIALIZED)

    def test_init_is_reference_counted(self):
        LIB.flopwatchSimSetScenarioPath(scenario("two-devices.scenario"))
        self.assertEqual(LIB.nvmlInit_v2(), SUCCESS)
        self.assertEqual(LIB.nvmlInitWithFlags(0), SUCCESS)
        self.assertEqual(LIB.nvmlShutdown(), SUCCESS)
        self.assertEqual(u32(LIB.nvmlDeviceGetCount_v2), (SUCCESS, 2))
        self.assertEqual(LIB.nvmlShutdown(), SUCCESS)
        self.assertEqual(u32(LIB.nvmlDeviceGetCount_v2)[0], UNINITIALIZED)

    def test_bad_scenario_names_file_and_line(self):
        LIB.flopwatchSimSetScenarioPath(scenario("bad-value.scenario"))
        self.assertEqual(LIB.nvmlInit_v2(), UNKNOWN)
        err = LIB.flopwatchSimLastError().decode()
        self.assertIn("bad-value.scenario:7:", err)
        self.assertIn("forty", err)

    def test_missing_scenario_file(self):
        LIB.flopwatchSimSetScenarioPath(scenario("no-such.scenario"))
        self.assertEqual(LIB.nvmlInit_v2(), UNKNOWN)
        self.assertIn("no-such.scenario", LIB.flopwatchSimLastError().decode())

    def test_injected_init_failure(self):
        LIB.flopwatchSimSetScenarioPath(scenario("init-fails.scenario"))
        self.assertEqual(LIB.nvmlInit_v2(), DRIVER_NOT_LOADED)
        self.assertEqual(LIB.nvmlInitWithFlags(0), DRIVER_NOT_LOADED)  # pynvml's entry point
        self.assertIn("Driver Not Loaded", LIB.flopwatchSimLastError().decode())
        self.assertEqual(u32(LIB.nvmlDeviceGetCount_v2)[0], UNINITIALIZED)


# The NVML functions flopwatch maps (versioned symbol names) and the simulator controls: the
# library must export exactly these.
NVML_FUNCTIONS = '''
nvmlInit_v2 nvmlInitWithFlags nvmlShutdown nvmlErrorString nvmlSystemGetDriverVersion
nvmlSystemGetNVMLVersion nvmlSystemGetCudaDriverVersion nvmlSystemGetCudaDriverVersion_v2
nvmlDeviceGetCount_v2 nvmlDeviceGetHandleByIndex_v2 nvmlDeviceGetHandleByUUID
nvmlDeviceGetHandleByPciBusId_v2 nvmlDeviceGetIndex nvmlDeviceGetName nvmlDeviceGetUUID
nvmlDeviceGetSerial nvmlDeviceGetPciInfo_v3 nvmlDeviceGetArchitecture
nvmlDeviceGetCudaComputeCapability nvmlDeviceGetNumGpuCores nvmlDeviceGetMinorNumber
nvmlDeviceGetMemoryInfo nvmlDeviceGetMemoryInfo_v2 nvmlDeviceGetBAR1MemoryInfo
nvmlDeviceGetUtilizationRates nvmlDeviceGetEncoderUtilization nvmlDeviceGetDecoderUtilization
nvmlDeviceGetClockInfo nvmlDeviceGetMaxClockInfo nvmlDeviceGetApplicationsClock
nvmlDeviceGetPerformanceState nvmlDeviceGetCurrentClocksThrottleReasons
nvmlDeviceGetCurrentClocksEventReasons nvmlDeviceGetPowerUsage nvmlDeviceGetEnforcedPowerLimit
nvmlDeviceGetPowerManagementLimit nvmlDeviceGetTotalEnergyConsumption nvmlDeviceGetTemperature
nvmlDeviceGetFanSpeed nvmlDeviceGetPcieThroughput nvmlDeviceGetCurrPcieLinkGeneration
nvmlDeviceGetCurrPcieLinkWidth nvmlDeviceGetMaxPcieLinkGeneration nvmlDeviceGetMaxPcieLinkWidth
nvmlDeviceGetNvLinkState nvmlDeviceGetPcieReplayCounter nvmlDeviceGetTotalEccErrors
nvmlDeviceGetRetiredPages
nvmlDeviceGetRemappedRows nvmlDeviceGetMigMode nvmlDeviceGetComputeRunningProcesses_v3
nvmlDeviceGetComputeRunningProcesses_v2 nvmlDeviceGetProcessUtilization nvmlDeviceGetFieldValues
nvmlGpmQueryDeviceSupport nvmlGpmSampleAlloc nvmlGpmSampleFree nvmlGpmSampleGet
nvmlGpmMigSampleGet nvmlGpmMetricsGet nvmlEventSetCreate nvmlDeviceGetSupportedEventTypes
nvmlDeviceRegisterEvents nvmlEventSetWait_v2 nvmlEventSetFree
'''.split()
# MIG, read-only (docs/simulator.md, "MIG").
MIG_FUNCTIONS = '''
nvmlDeviceGetMaxMigDeviceCount nvmlDeviceGetMigDeviceHandleByIndex nvmlDeviceIsMigDeviceHandle
nvmlDeviceGetGpuInstanceId nvmlDeviceGetComputeInstanceId nvmlDeviceGetDeviceHandleFromMigDeviceHandle
nvmlDeviceGetAttributes_v2
'''.split()
SIM_CONTROLS = ["flopwatchSimSetScenarioPath", "flopwatchSimLastError", "flopwatchSimSetFrozenClock"]


class Exports(unittest.TestCase):
    def test_exports_exactly_the_nvml_functions_and_controls(self):
        self.assertEqual(len(NVML_FUNCTIONS), 65)
        for name in NVML_FUNCTIONS + MIG_FUNCTIONS + SIM_CONTROLS:
            self.assertTrue(hasattr(LIB, name), name)
        nm = shutil.which("nm")
        if nm is None:
            self.skipTest("nm (binutils) not installed: extra exports not checked")
        out = subprocess.run([nm, "-D", "--defined-only", LIB._name], capture_output=True, text=True,
                             check=True).stdout
        exported = {line.split()[-1] for line in out.splitlines() if line.split()[1:2] == ["T"]}
        self.assertEqual(exported, set(NVML_FUNCTIONS + MIG_FUNCTIONS + SIM_CONTROLS))


class ScenarioErrors(unittest.TestCase):
    """Scenario mistakes fail nvmlInit with file:line and what is wrong."""
    DEVICE = ("device\nname NVIDIA H100 80GB HBM3 (Simulated)\nuuid GPU-1\npci_bus_id 00000000:18:00.0\n"
              "memory_total_bytes 80GiB\n")

    def init_with(self, text):
        path = os.path.join(tempfile.mkdtemp(), "t.scenario")
        with open(path, "w") as f:
            f.write(text)
        LIB.flopwatchSimSetScenarioPath(path.encode())
        rc = LIB.nvmlInit_v2()
        if rc == SUCCESS:
            LIB.nvmlShutdown()
        return rc, LIB.flopwatchSimLastError().decode().replace(path, "t.scenario")

    def test_messages(self):
        for text, want in [
            (self.DEVICE + "power_mw sine(1, 2)\n", "t.scenario:6: wrong number of arguments"),
            (self.DEVICE + "name NVIDIA H100\n", 't.scenario:6: device names must end in "(Simulated)"'),
            (self.DEVICE + "fault nvmlDeviceGetPowerUsag return=15\n", "t.scenario:6: fault: 'nvmlDeviceGetPowerUsag' is not an NVML function"),
            ("fault nvmlDeviceGetPowerUsage device=3 return=15\n" + self.DEVICE, "t.scenario:1: fault on nvmlDeviceGetPowerUsage names device 3"),
            (self.DEVICE + "fault nvmlDeviceGetClockInfo hang\n", "t.scenario:6: fault: hang needs to="),
            (self.DEVICE + "device\nuuid GPU-2\n", "t.scenario:6: device 1 (starting here) has no name"),
            (self.DEVICE + "power_mw steps(1, 5, 2, 4, 3)\n", "t.scenario:6: steps() times must increase"),
            (self.DEVICE + "bogus 1\n", "t.scenario:6: unknown directive 'bogus'"),
        ]:
            rc, err = self.init_with(text)
            self.assertEqual(rc, UNKNOWN, text)
            self.assertTrue(err.startswith(want), "%r does not start with %r" % (err, want))

    def test_every_exported_function_can_carry_a_fault(self):
        faults = "".join("fault %s return=GPU_IS_LOST from=1000\n" % f
                         for f in NVML_FUNCTIONS + MIG_FUNCTIONS if f != "nvmlErrorString")
        self.assertEqual(self.init_with(faults + self.DEVICE), (SUCCESS, ""))
        rc, err = self.init_with("fault nvmlErrorString return=15\n" + self.DEVICE)  # cannot fail
        self.assertEqual(rc, UNKNOWN, err)


class Semantics(SimTest):
    def test_invalid_arguments(self):
        h = c_void_p()
        self.assertEqual(LIB.nvmlDeviceGetHandleByIndex_v2(2, byref(h)), INVALID_ARGUMENT)
        self.assertEqual(LIB.nvmlDeviceGetHandleByIndex_v2(0, None), INVALID_ARGUMENT)
        self.assertEqual(LIB.nvmlDeviceGetPowerUsage(handle(0), None), INVALID_ARGUMENT)
        garbage = c_void_p(0x1234)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, garbage)[0], INVALID_ARGUMENT)
        self.assertEqual(u32(LIB.nvmlDeviceGetClockInfo, handle(0), 7)[0], INVALID_ARGUMENT)
        self.assertEqual(u32(LIB.nvmlDeviceGetTemperature, handle(0), 1)[0], INVALID_ARGUMENT)

    def test_stale_handle_after_reinit(self):
        old = handle(1)
        LIB.nvmlShutdown()
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, old)[0], UNINITIALIZED)
        for _ in range(20):  # re-init cycles free retired scenarios; stale handles must stay safe
            self.assertEqual(LIB.nvmlInit_v2(), SUCCESS)
            rc, index = u32(LIB.nvmlDeviceGetIndex, old)
            # Rejected, or (when the allocator hands out the same address) the same device again,
            # as a real NVML handle would be after re-init.
            self.assertIn((rc, index), [(INVALID_ARGUMENT, 0), (SUCCESS, 1)])
            self.assertEqual(LIB.nvmlShutdown(), SUCCESS)
        self.assertEqual(LIB.nvmlInit_v2(), SUCCESS)

    def test_name_buffer_too_small(self):
        name = "NVIDIA H100 80GB HBM3 (Simulated)"
        buf = create_string_buffer(64)
        self.assertEqual(LIB.nvmlDeviceGetName(handle(0), buf, len(name)), INSUFFICIENT_SIZE)
        self.assertEqual(LIB.nvmlDeviceGetName(handle(0), buf, len(name) + 1), SUCCESS)
        self.assertEqual(buf.value.decode(), name)

    def test_process_list_size_query(self):
        count = c_uint(0)
        self.assertEqual(LIB.nvmlDeviceGetComputeRunningProcesses_v3(handle(0), byref(count), None),
                         INSUFFICIENT_SIZE)
        self.assertEqual(count.value, 2)
        infos = (ProcessInfo * 2)()
        self.assertEqual(LIB.nvmlDeviceGetComputeRunningProcesses_v3(handle(0), byref(count), infos), SUCCESS)
        self.assertEqual([(p.pid, p.usedGpuMemory) for p in infos], [(4242, 38 << 30), (4243, 1 << 30)])
        count = c_uint(0)
        self.assertEqual(LIB.nvmlDeviceGetComputeRunningProcesses_v2(handle(1), byref(count), None), SUCCESS)
        self.assertEqual(count.value, 0)

    def test_not_supported_where_the_scenario_has_no_feature(self):
        self.assertEqual(u32(LIB.nvmlDeviceGetFanSpeed, handle(0))[0], NOT_SUPPORTED)  # SXM: no fan
        support = (c_uint * 2)(1, 0)
        self.assertEqual(LIB.nvmlGpmQueryDeviceSupport(handle(1), support), SUCCESS)
        self.assertEqual(support[1], 0)  # Ampere: no GPM
        self.assertEqual(LIB.nvmlGpmQueryDeviceSupport(handle(0), support), SUCCESS)
        self.assertEqual(support[1], 1)
        sample = c_void_p()
        self.assertEqual(LIB.nvmlGpmSampleAlloc(byref(sample)), SUCCESS)
        self.assertEqual(LIB.nvmlGpmSampleGet(handle(1), sample), NOT_SUPPORTED)
        self.assertEqual(LIB.nvmlGpmSampleFree(sample), SUCCESS)

    def test_memory_v2_needs_its_version(self):
        buf = (c_ulonglong * 5)()
        self.assertEqual(LIB.nvmlDeviceGetMemoryInfo_v2(handle(0), buf), ARGUMENT_VERSION_MISMATCH)

    def test_handle_lookups(self):
        h = c_void_p()
        for bus_id in (b"00000000:3B:00.0", b"0000:3b:00.0", b"3B:00.0"):
            self.assertEqual(LIB.nvmlDeviceGetHandleByPciBusId_v2(bus_id, byref(h)), SUCCESS)
            self.assertEqual(h.value, handle(1).value)
        self.assertEqual(LIB.nvmlDeviceGetHandleByPciBusId_v2(b"00000000:99:00.0", byref(h)), NOT_FOUND)
        self.assertEqual(LIB.nvmlDeviceGetHandleByUUID(b"GPU-5afe0001-0000-4000-8000-000000000001", byref(h)),
                         SUCCESS)
        self.assertEqual(h.value, handle(1).value)


class Faults(SimTest):
    scenario_name = "faults.scenario"

    def test_error_code_within_window_and_device(self):
        self.at(5)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(0)), (SUCCESS, 100000))
        self.at(15)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(0))[0], GPU_IS_LOST)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(1)), (SUCCESS, 100000))
        self.at(20)  # the window is [from, to)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(0)), (SUCCESS, 100000))

    def test_open_ended_window_on_all_devices(self):
        util = (c_uint * 2)()
        self.at(39.9)
        self.assertEqual(LIB.nvmlDeviceGetUtilizationRates(handle(1), util), SUCCESS)
        self.at(1000)
        self.assertEqual(LIB.nvmlDeviceGetUtilizationRates(handle(0), util), GPU_IS_LOST)
        self.assertEqual(LIB.nvmlDeviceGetUtilizationRates(handle(1), util), GPU_IS_LOST)

    def test_delay(self):
        start = time.monotonic()
        self.assertEqual(u32(LIB.nvmlDeviceGetTemperature, handle(1), 0), (SUCCESS, 41))
        self.assertGreaterEqual(time.monotonic() - start, 0.2)  # a lower bound only

    def test_hang_blocks_one_device_only_and_ends_with_the_window(self):
        self.at(30)
        result = {}

        def hung_call():
            result["dev1"] = u32(LIB.nvmlDeviceGetClockInfo, handle(1), 1)

        t = threading.Thread(target=hung_call, daemon=True)
        t.start()
        # Another device answers while device 1 hangs: no lock is held across the hang.
        self.assertEqual(u32(LIB.nvmlDeviceGetClockInfo, handle(0), 1), (SUCCESS, 1980))
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(1)), (SUCCESS, 100000))
        self.assertTrue(t.is_alive(), "device 1's clock call should still hang")
        self.at(40)  # the window [30, 40) ends
        t.join(5)
        self.assertFalse(t.is_alive(), "the hang should end when simulated time leaves the window")
        self.assertEqual(result["dev1"], (SUCCESS, 1980))


class TimeFunctions(SimTest):
    scenario_name = "time-functions.scenario"
    frozen_at = 0.0

    def energy(self, t):
        self.at(t)
        e = c_ulonglong()
        self.assertEqual(LIB.nvmlDeviceGetTotalEnergyConsumption(handle(0), byref(e)), SUCCESS)
        return e.value

    def test_energy_integrates_power(self):
        # square(100 W, 300 W, 10 s, 0.5): 300 W for 5 s then 100 W for 5 s = 2000 J per period.
        self.assertEqual(self.energy(0), 0)
        self.assertEqual(self.energy(5), 1500000)
        self.assertEqual(self.energy(10), 2000000)
        self.assertEqual(self.energy(25), 2 * 2000000 + 1500000)  # two periods, then 5 s at 300 W
        self.at(2)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(0)), (SUCCESS, 300000))
        self.at(7)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(0)), (SUCCESS, 100000))

    def test_square_wave_with_phase_integrates(self):
        # Device 1: square(0, 1000 mW, 10 s, 0.5, 2.5 s) is high during [0, 2.5) and [7.5, 12.5).
        e = c_ulonglong()
        for t, want in [(2.5, 2500), (5, 2500), (8, 3000), (10, 5000), (20, 10000)]:
            self.at(t)
            self.assertEqual(LIB.nvmlDeviceGetTotalEnergyConsumption(handle(1), byref(e)), SUCCESS)
            self.assertEqual(e.value, want, "energy at t=%s" % t)
        self.at(7.5)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(1)), (SUCCESS, 1000))
        self.at(7.4)
        self.assertEqual(u32(LIB.nvmlDeviceGetPowerUsage, handle(1)), (SUCCESS, 0))

    def test_steps_and_bitmasks(self):
        rt = c_ulonglong()
        self.at(19.9)
        self.assertEqual(u32(LIB.nvmlDeviceGetClockInfo, handle(0), 1), (SUCCESS, 1980))
        self.assertEqual(LIB.nvmlDeviceGetCurrentClocksEventReasons(handle(0), byref(rt)), SUCCESS)
        self.assertEqual(rt.value, 0)
        self.at(20)
        self.assertEqual(u32(LIB.nvmlDeviceGetClockInfo, handle(0), 1), (SUCCESS, 1410))
        self.assertEqual(LIB.nvmlDeviceGetCurrentClocksThrottleReasons(handle(0), byref(rt)), SUCCESS)
        self.assertEqual(rt.value, 0x4)

    def test_sine_and_linear(self):
        self.at(10)  # sine(60, 10, 40) at a quarter period
        self.assertEqual(u32(LIB.nvmlDeviceGetTemperature, handle(0), 0), (SUCCESS, 70))
        mem = (c_ulonglong * 3)()
        self.at(40)  # linear(0, 80 GiB, 80 s) half way
        self.assertEqual(LIB.nvmlDeviceGetMemoryInfo(handle(0), mem), SUCCESS)
        self.assertEqual(mem[2], 40 << 30)

    def nvlink_counter(self, t, field, scope):
        self.at(t)
        v = FieldValue(fieldId=field, scopeId=scope)
        self.assertEqual(LIB.nvmlDeviceGetFieldValues(handle(0), 1, byref(v)), SUCCESS)
        return v

    def test_nvlink_counters_match_rates(self):
        v = self.nvlink_counter(10, 138, 0)
        self.assertEqual(v.nvmlReturn, SUCCESS)
        self.assertEqual(v.value.ullVal, 10000)  # 1000 KiB/s on link 0 for 10 s
        self.assertEqual(v.timestamp, (1700000000 + 10) * 10**6)
        self.assertEqual(self.nvlink_counter(10, 138, 3).value.ullVal, 0)  # link 3 is down
        self.assertEqual(self.nvlink_counter(10, 138, 0xFFFFFFFF).value.ullVal, 30000)
        self.assertEqual(self.nvlink_counter(10, 138, 4).nvmlReturn, INVALID_ARGUMENT)
        # ramp(0, 6000, 10): mean 3000 KiB/s per period, so 30000 KiB after 10 s over 3 links.
        self.assertEqual(self.nvlink_counter(10, 139, 0xFFFFFFFF).value.ullVal, 30000)
        self.assertEqual(self.nvlink_counter(10, 139, 1).value.ullVal, 10000)
        self.assertEqual(self.nvlink_counter(10, 999, 0).nvmlReturn, NOT_SUPPORTED)

    def gpm(self, t1, t2, ids, array_len=98, num=None, version=1):
        s1, s2 = c_void_p(), c_void_p()
        LIB.nvmlGpmSampleAlloc(byref(s1))
        LIB.nvmlGpmSampleAlloc(byref(s2))
        self.at(t1)
        self.assertEqual(LIB.nvmlGpmSampleGet(handle(0), s1), SUCCESS)
        self.at(t2)
        self.assertEqual(LIB.nvmlGpmSampleGet(handle(0), s2), SUCCESS)
        mg = metrics_get_type(array_len)()
        mg.version, mg.numMetrics = version, len(ids) if num is None else num
        mg.sample1, mg.sample2 = s1, s2
        for i in range(array_len):
            mg.metrics[i].metricId = ids[i] if i < len(ids) else 0xdead
            mg.metrics[i].value = -1.0
        rc = LIB.nvmlGpmMetricsGet(byref(mg))
        LIB.nvmlGpmSampleFree(s1)
        LIB.nvmlGpmSampleFree(s2)
        return rc, mg

    def test_gpm_metric_is_the_mean_over_the_interval(self):
        rc, mg = self.gpm(10, 30, [GPM_SM_UTIL, GPM_ANY_TENSOR_UTIL, GPM_NVLINK_L0_TX, GPM_NVLINK_L3_TX])
        self.assertEqual(rc, SUCCESS)
        got = [(m.nvmlReturn, m.value) for m in mg.metrics[:4]]
        self.assertEqual(got[0][0], SUCCESS)
        self.assertAlmostEqual(got[0][1], 20.0, places=9)   # mean of t over [10, 30]
        self.assertAlmostEqual(got[1][1], 20.0, places=9)   # 80 % for a quarter of the time
        self.assertAlmostEqual(got[2][1], 1000 / 1024, places=9)  # KiB/s to MiB/s, link 0
        self.assertEqual(got[3][1], 0.0)                    # link 3 is down
        self.assertEqual(mg.metrics[0].metricInfo.shortName, b"sm_util")
        # Samples in reverse order give the same interval; equal times give the value at t.
        rc, mg = self.gpm(30, 10, [GPM_SM_UTIL])
        self.assertAlmostEqual(mg.metrics[0].value, 20.0, places=9)
        rc, mg = self.gpm(42, 42, [GPM_SM_UTIL])
        self.assertAlmostEqual(mg.metrics[0].value, 42.0, places=9)

    def test_gpm_reads_only_num_metrics_entries_of_any_array_size(self):
        for array_len in (98, 210, 333):
            rc, mg = self.gpm(10, 30, [GPM_SM_UTIL, GPM_ANY_TENSOR_UTIL], array_len=array_len)
            self.assertEqual(rc, SUCCESS)
            self.assertTrue(all(m.value == -1.0 and m.metricInfo.shortName is None
                                for m in mg.metrics[2:]), "entries beyond numMetrics were written")
        rc, mg = self.gpm(10, 30, list(range(1, 334)), array_len=333)  # the largest array
        self.assertEqual(rc, SUCCESS)
        self.assertEqual(mg.metrics[200].nvmlReturn, NOT_SUPPORTED)  # id 201: not in the 11.8 enum

    def test_gpm_argument_checks(self):
        self.assertEqual(self.gpm(10, 30, [GPM_SM_UTIL], version=2)[0], ARGUMENT_VERSION_MISMATCH)
        self.assertEqual(self.gpm(10, 30, [GPM_SM_UTIL], num=0)[0], INVALID_ARGUMENT)
        self.assertEqual(self.gpm(10, 30, [GPM_SM_UTIL], array_len=333, num=334)[0], INVALID_ARGUMENT)

    def test_xid_events(self):
        es = c_void_p()
        self.assertEqual(LIB.nvmlEventSetCreate(byref(es)), SUCCESS)
        for i in (0, 1):
            self.assertEqual(LIB.nvmlDeviceRegisterEvents(handle(i), c_ulonglong(XID_EVENT), es), SUCCESS)
        data = EventData()
        self.at(0.5)
        self.assertEqual(LIB.nvmlEventSetWait_v2(es, byref(data), 10), TIMEOUT)
        self.at(2.5)  # due: device 0's Xid 79 at 1.0, device 1's Xid 31 at 2.0 — in time order
        self.assertEqual(LIB.nvmlEventSetWait_v2(es, byref(data), 10), SUCCESS)
        self.assertEqual((data.device, data.eventType, data.eventData), (handle(0).value, XID_EVENT, 79))
        self.assertEqual(LIB.nvmlEventSetWait_v2(es, byref(data), 10), SUCCESS)
        self.assertEqual((data.device, data.eventData), (handle(1).value, 31))
        self.assertEqual(LIB.nvmlEventSetWait_v2(es, byref(data), 10), TIMEOUT)
        self.at(3)
        self.assertEqual(LIB.nvmlEventSetWait_v2(es, byref(data), 10), SUCCESS)
        self.assertEqual(data.eventData, 48)
        self.assertEqual(LIB.nvmlEventSetFree(es), SUCCESS)

    def test_concurrent_readers(self):
        errors = []

        def reader(i):
            for _ in range(200):
                rc, _ = u32(LIB.nvmlDeviceGetPowerUsage, handle(i % 2))
                if rc != SUCCESS:
                    errors.append(rc)

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])


def main():
    global LIB, SCENARIOS
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--scenarios", required=True)
    args, rest = ap.parse_known_args()
    os.environ.pop("FLOPWATCH_SIM_CLOCK", None)
    os.environ.pop("FLOPWATCH_SIM_SCENARIO", None)
    LIB = ctypes.CDLL(os.path.abspath(args.lib))
    SCENARIOS = os.path.abspath(args.scenarios)
    LIB.nvmlErrorString.restype = c_char_p
    LIB.flopwatchSimLastError.restype = c_char_p
    LIB.flopwatchSimSetScenarioPath.argtypes = [c_char_p]
    LIB.flopwatchSimSetFrozenClock.argtypes = [c_double]
    prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
