/*
 * The floor of the cost-per-sample comparison: the same 28 NVML calls per device that
 * flopwatch's NvmlSession.sample and bench/pynvml_sample.py make, called from C straight
 * into the library (dlopen), with no binding in between. What a binding adds is its cost
 * above this line; the simulated library's own work (scenario functions, clock, locks) is
 * in this line.
 *
 * Usage: native_floor LIBRARY WARMUP SAMPLES   (FLOPWATCH_SIM_SCENARIO / _CLOCK as for pynvml)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <nvml.h>

typedef int (*f_d)(void *, void *);
typedef int (*f_di)(void *, int, void *);
typedef int (*f_dpp)(void *, void *, void *);

static void *sym(void *lib, const char *name) {
    void *f = dlsym(lib, name);
    if (!f) { fprintf(stderr, "native_floor: no %s\n", name); exit(1); }
    return f;
}

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: native_floor LIBRARY WARMUP SAMPLES\n"); return 2; }
    void *lib = dlopen(argv[1], RTLD_NOW);
    if (!lib) { fprintf(stderr, "native_floor: %s\n", dlerror()); return 1; }
    long warmup = atol(argv[2]), samples = atol(argv[3]);
    if (((int (*)(void))sym(lib, "nvmlInit_v2"))() != 0) { fprintf(stderr, "native_floor: init failed\n"); return 1; }
    unsigned count = 0;
    ((int (*)(unsigned *))sym(lib, "nvmlDeviceGetCount_v2"))(&count);
    nvmlDevice_t dev[1024];
    for (unsigned i = 0; i < count && i < 1024; i++) {
        ((int (*)(unsigned, nvmlDevice_t *))sym(lib, "nvmlDeviceGetHandleByIndex_v2"))(i, &dev[i]);
    }
    f_d util = sym(lib, "nvmlDeviceGetUtilizationRates"), mem2 = sym(lib, "nvmlDeviceGetMemoryInfo_v2"),
        bar1 = sym(lib, "nvmlDeviceGetBAR1MemoryInfo"), pstate = sym(lib, "nvmlDeviceGetPerformanceState"),
        reasons = sym(lib, "nvmlDeviceGetCurrentClocksThrottleReasons"), power = sym(lib, "nvmlDeviceGetPowerUsage"),
        enforced = sym(lib, "nvmlDeviceGetEnforcedPowerLimit"), mgmt = sym(lib, "nvmlDeviceGetPowerManagementLimit"),
        energy = sym(lib, "nvmlDeviceGetTotalEnergyConsumption"), fan = sym(lib, "nvmlDeviceGetFanSpeed"),
        gen = sym(lib, "nvmlDeviceGetCurrPcieLinkGeneration"), width = sym(lib, "nvmlDeviceGetCurrPcieLinkWidth"),
        maxgen = sym(lib, "nvmlDeviceGetMaxPcieLinkGeneration"), maxwidth = sym(lib, "nvmlDeviceGetMaxPcieLinkWidth");
    f_dpp enc = sym(lib, "nvmlDeviceGetEncoderUtilization"), dec = sym(lib, "nvmlDeviceGetDecoderUtilization");
    f_di clock = sym(lib, "nvmlDeviceGetClockInfo"), maxclock = sym(lib, "nvmlDeviceGetMaxClockInfo"),
         appclock = sym(lib, "nvmlDeviceGetApplicationsClock"), temp = sym(lib, "nvmlDeviceGetTemperature"),
         pcie = sym(lib, "nvmlDeviceGetPcieThroughput");
    union { nvmlUtilization_t u; nvmlMemory_v2_t m; nvmlBAR1Memory_t b; unsigned long long ull; unsigned ui; } s;
    unsigned period;
    double t0 = 0;
    for (long n = 0; n < warmup + samples; n++) {
        if (n == warmup) t0 = cpu_seconds();
        for (unsigned i = 0; i < count; i++) {
            nvmlDevice_t d = dev[i];
            util(d, &s); enc(d, &s, &period); dec(d, &s, &period);
            s.m.version = nvmlMemory_v2; mem2(d, &s); bar1(d, &s);
            pstate(d, &s);
            clock(d, 0, &s); clock(d, 1, &s); clock(d, 2, &s); clock(d, 3, &s);
            maxclock(d, 0, &s); maxclock(d, 1, &s); maxclock(d, 2, &s);
            appclock(d, 0, &s); appclock(d, 2, &s);
            reasons(d, &s); power(d, &s); enforced(d, &s); mgmt(d, &s); energy(d, &s);
            temp(d, 0, &s); fan(d, &s); pcie(d, 0, &s); pcie(d, 1, &s);
            gen(d, &s); width(d, &s); maxgen(d, &s); maxwidth(d, &s);
        }
    }
    double cpu = cpu_seconds() - t0;
    printf("binding=c-direct devices=%u samples=%ld cpu_us_per_sample=%.2f\n", count, samples, cpu * 1e6 / samples);
    return 0;
}
