/*
 * Concurrency check of the simulated NVML library, meant for ThreadSanitizer / AddressSanitizer:
 * reader threads call device functions (and GPM, field values) while the main thread cycles
 * nvmlInit/nvmlShutdown and moves the frozen clock. Build and run (see docs/simulator.md):
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -I native-bindings/src/main/c \
 *       native-bindings/src/test/c/sim_stress.c native-bindings/src/main/c/sim_*.c \
 *       -lm -lpthread -o /tmp/sim_stress
 *   /tmp/sim_stress native-bindings/src/test/resources/scenarios/two-devices.scenario
 *
 * Exits 0 when every call returned a code NVML allows in that situation.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_internal.h"

#define READERS 4
#define CYCLES 200

static int g_stop;
static int g_bad;

static int allowed(nvmlReturn_t r) {
    /* Racing a shutdown, a call may see the library uninitialized, or a handle that is no longer
     * one of the current devices. */
    return r == NVML_SUCCESS || r == NVML_ERROR_UNINITIALIZED || r == NVML_ERROR_INVALID_ARGUMENT;
}

static void *reader(void *arg) {
    unsigned int index = (unsigned int)(size_t)arg % 2;
    while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
        nvmlDevice_t h;
        if (nvmlDeviceGetHandleByIndex_v2(index, &h) != NVML_SUCCESS) continue;
        unsigned int v;
        unsigned long long e;
        nvmlMemory_t mem;
        nvmlFieldValue_t fv = {.fieldId = NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX, .scopeId = 0};
        nvmlReturn_t rs[] = {
            nvmlDeviceGetPowerUsage(h, &v),
            nvmlDeviceGetTotalEnergyConsumption(h, &e),
            nvmlDeviceGetMemoryInfo(h, &mem),
            nvmlDeviceGetFieldValues(h, 1, &fv),
        };
        for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
            if (!allowed(rs[i])) {
                fprintf(stderr, "reader %u: call %zu returned %d\n", index, i, rs[i]);
                __atomic_add_fetch(&g_bad, 1, __ATOMIC_RELAXED);
            }
        nvmlGpmSample_t s1, s2;
        if (index == 0 && nvmlGpmSampleAlloc(&s1) == NVML_SUCCESS) {
            if (nvmlGpmSampleAlloc(&s2) == NVML_SUCCESS) {
                nvmlGpmMetricsGet_t local = {.version = NVML_GPM_METRICS_GET_VERSION, .numMetrics = 1};
                local.metrics[0].metricId = 2;
                if (nvmlGpmSampleGet(h, s1) == NVML_SUCCESS && nvmlGpmSampleGet(h, s2) == NVML_SUCCESS) {
                    local.sample1 = s1;
                    local.sample2 = s2;
                    nvmlReturn_t r = nvmlGpmMetricsGet(&local);
                    if (!allowed(r)) {
                        fprintf(stderr, "GPM returned %d\n", r);
                        __atomic_add_fetch(&g_bad, 1, __ATOMIC_RELAXED);
                    }
                }
                nvmlGpmSampleFree(s2);
            }
            nvmlGpmSampleFree(s1);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <scenario>\n", argv[0]);
        return 2;
    }
    flopwatchSimSetScenarioPath(argv[1]);
    pthread_t threads[READERS];
    for (size_t i = 0; i < READERS; i++) pthread_create(&threads[i], NULL, reader, (void *)i);
    for (int c = 0; c < CYCLES; c++) {
        flopwatchSimSetFrozenClock(c * 0.5);
        if (nvmlInit_v2() != NVML_SUCCESS) {
            fprintf(stderr, "init failed: %s\n", flopwatchSimLastError());
            return 1;
        }
        nvmlShutdown();
    }
    __atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
    for (size_t i = 0; i < READERS; i++) pthread_join(threads[i], NULL);
    printf("sim_stress: %d init/shutdown cycles with %d readers, %d unexpected return codes\n", CYCLES, READERS, g_bad);
    return g_bad ? 1 : 0;
}
