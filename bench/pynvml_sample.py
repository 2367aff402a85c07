#!/usr/bin/env python3
"""One round of the cost-per-sample comparison, pynvml's side.

Reads every device through Debian's pynvml with the same NVML calls flopwatch's
NvmlSession.sample makes (JnaNvmlSession.sampleGuarded: utilization, encoder/decoder,
memory v2 + BAR1, 9 clocks, pstate, clock reasons, power x3, energy, temperature, fan,
PCIe throughput x2 and link gen/width x4), WARMUP untimed then SAMPLES timed, and prints
time.process_time() per sample (process CPU, like flopwatch's side).

Usage: pynvml_sample.py LIBRARY WARMUP SAMPLES   (PYTHONPATH must hold pynvml.py;
FLOPWATCH_SIM_SCENARIO / FLOPWATCH_SIM_CLOCK select the simulated library's scenario).
"""
import sys
import time

import pynvml as nv


def sample(h):
    # A failing call costs what it costs: pynvml raises, the agent's binding returns empty.
    out = []
    for fn, args in CALLS:
        try:
            out.append(fn(h, *args))
        except nv.NVMLError:
            out.append(None)
    return out


CALLS = []


def main():
    lib, warmup, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # pynvml loads libnvidia-ml.so.1 by name; point its loader at the simulated library.
    nv.nvmlLib = nv.CDLL(lib)
    nv.nvmlInit()
    CALLS.extend([
        (nv.nvmlDeviceGetUtilizationRates, ()),
        (nv.nvmlDeviceGetEncoderUtilization, ()),
        (nv.nvmlDeviceGetDecoderUtilization, ()),
        (nv.nvmlDeviceGetMemoryInfo, (nv.nvmlMemory_v2,)),
        (nv.nvmlDeviceGetBAR1MemoryInfo, ()),
        (nv.nvmlDeviceGetPerformanceState, ()),
        (nv.nvmlDeviceGetClockInfo, (nv.NVML_CLOCK_GRAPHICS,)),
        (nv.nvmlDeviceGetClockInfo, (nv.NVML_CLOCK_SM,)),
        (nv.nvmlDeviceGetClockInfo, (nv.NVML_CLOCK_MEM,)),
        (nv.nvmlDeviceGetClockInfo, (nv.NVML_CLOCK_VIDEO,)),
        (nv.nvmlDeviceGetMaxClockInfo, (nv.NVML_CLOCK_GRAPHICS,)),
        (nv.nvmlDeviceGetMaxClockInfo, (nv.NVML_CLOCK_SM,)),
        (nv.nvmlDeviceGetMaxClockInfo, (nv.NVML_CLOCK_MEM,)),
        (nv.nvmlDeviceGetApplicationsClock, (nv.NVML_CLOCK_GRAPHICS,)),
        (nv.nvmlDeviceGetApplicationsClock, (nv.NVML_CLOCK_MEM,)),
        (nv.nvmlDeviceGetCurrentClocksThrottleReasons, ()),
        (nv.nvmlDeviceGetPowerUsage, ()),
        (nv.nvmlDeviceGetEnforcedPowerLimit, ()),
        (nv.nvmlDeviceGetPowerManagementLimit, ()),
        (nv.nvmlDeviceGetTotalEnergyConsumption, ()),
        (nv.nvmlDeviceGetTemperature, (nv.NVML_TEMPERATURE_GPU,)),
        (nv.nvmlDeviceGetFanSpeed, ()),
        (nv.nvmlDeviceGetPcieThroughput, (nv.NVML_PCIE_UTIL_TX_BYTES,)),
        (nv.nvmlDeviceGetPcieThroughput, (nv.NVML_PCIE_UTIL_RX_BYTES,)),
        (nv.nvmlDeviceGetCurrPcieLinkGeneration, ()),
        (nv.nvmlDeviceGetCurrPcieLinkWidth, ()),
        (nv.nvmlDeviceGetMaxPcieLinkGeneration, ()),
        (nv.nvmlDeviceGetMaxPcieLinkWidth, ()),
    ])
    handles = [nv.nvmlDeviceGetHandleByIndex(i) for i in range(nv.nvmlDeviceGetCount())]
    for _ in range(warmup):
        for h in handles:
            sample(h)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(samples):
        for h in handles:
            sample(h)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print("binding=pynvml devices=%d samples=%d cpu_us_per_sample=%.2f wall_us_per_sample=%.2f calls_per_device=%d"
          % (len(handles), samples, cpu * 1e6 / samples, wall * 1e6 / samples, len(CALLS)))
    nv.nvmlShutdown()


if __name__ == "__main__":
    main()
