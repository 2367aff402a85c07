/*
 * The simulated NVML library (libnvidia-ml-sim.so): the NVML functions flopwatch uses, with
 * NVML's exported symbol names and ABI, answering from a scenario file instead of a GPU.
 * Format and behaviour: docs/simulator.md.
 *
 * Concurrency: the scenario is parsed once by nvmlInit and is read-only afterwards, so device
 * calls take no lock. Only init/shutdown take g_lock, and event sets their own mutex (never held
 * while sleeping). A delay or hang injected into one call therefore never blocks another call.
 * Lifetime: the last nvmlShutdown unpublishes the scenario and retires it; retired scenarios are
 * freed (at init or shutdown) once no call is in flight. Every entry point counts itself in
 * g_inflight (CALL_GUARD) before it loads the scenario pointer, so a call can never see a scenario
 * that is freed under it (both sides use sequentially consistent atomics). GPM samples and event
 * sets remember the scenario's id, not its address, so stale ones are recognised and never
 * followed into freed memory; stale device handles are compared by value only.
 */
#include "sim_internal.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- global state ---------------------------------------------------------------------------- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static sim_scenario *g_scenario; /* published with release, read with acquire; NULL = not initialized */
static unsigned int g_refcount;  /* under g_lock */
static unsigned long g_generation; /* bumped at each full shutdown: ends injected hangs */
static double g_frozen_override_s = -1; /* flopwatchSimSetFrozenClock; < 0 = none */
static char g_path[4096];        /* under g_lock */
static int g_path_set;
static char g_last_error[2048];
static unsigned long g_inflight;     /* calls currently inside the library */
static unsigned long g_next_id;      /* under g_lock */
static sim_scenario *g_retired;      /* under g_lock */

static void leave_call(unsigned long *unused) {
    (void)unused;
    __atomic_sub_fetch(&g_inflight, 1, __ATOMIC_SEQ_CST);
}

/* First statement of every entry point that reads the scenario. */
#define CALL_GUARD \
    unsigned long call_guard_ __attribute__((cleanup(leave_call), unused)) = \
        __atomic_add_fetch(&g_inflight, 1, __ATOMIC_SEQ_CST)

/* Frees retired scenarios when no call is in flight; called with g_lock held. */
static void free_retired(void) {
    if (!g_retired || __atomic_load_n(&g_inflight, __ATOMIC_SEQ_CST) != 0) return;
    while (g_retired) {
        sim_scenario *next = g_retired->next_retired;
        sim_scenario_free(g_retired);
        free(g_retired);
        g_retired = next;
    }
}

#define MAGIC_EVENT_SET 0x45565354u
#define MAGIC_GPM_SAMPLE 0x47504d53u

struct nvmlEventSet_st {
    unsigned int magic;
    pthread_mutex_t lock;
    unsigned long scenario_id;
    unsigned int ndevices;
    unsigned long long *registered; /* event mask per device */
    unsigned long long *delivered;  /* Xid events already delivered per device */
};

struct nvmlGpmSample_st {
    unsigned int magic;
    unsigned long scenario_id;
    unsigned int device_index;
    double time_s;
    int filled;
    int mig;                      /* 1: a sample of MIG GPU instance gpu_instance_id */
    unsigned int gpu_instance_id;
};

static double mono_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s) {
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* Simulated time: seconds since nvmlInit, unless frozen (control function, then the
 * FLOPWATCH_SIM_CLOCK environment variable, then the scenario's `clock frozen`). */
static double sim_now(const sim_scenario *s) {
    double override;
    __atomic_load(&g_frozen_override_s, &override, __ATOMIC_ACQUIRE);
    if (override >= 0) return override;
    if (s->env_frozen_s >= 0) return s->env_frozen_s;
    if (s->clock_frozen) return s->frozen_at_s;
    return mono_now_s() - s->start_mono_s;
}

/* Whether simulated time runs at real speed now (no frozen clock of any kind). */
static bool clock_running(const sim_scenario *s) {
    double override;
    __atomic_load(&g_frozen_override_s, &override, __ATOMIC_ACQUIRE);
    return override < 0 && s->env_frozen_s < 0 && !s->clock_frozen;
}

static unsigned long long epoch_us(const sim_scenario *s, double t) {
    return (unsigned long long)llround((s->base_epoch_unix_s + t) * 1e6);
}

static const sim_scenario *current(void) { return __atomic_load_n(&g_scenario, __ATOMIC_SEQ_CST); }

static const sim_device *lookup(const sim_scenario *s, nvmlDevice_t handle) {
    uintptr_t p = (uintptr_t)handle, base = (uintptr_t)s->devices;
    if (!handle || p < base || p >= base + s->ndevices * sizeof(sim_device)) return NULL;
    if ((p - base) % sizeof(sim_device)) return NULL;
    return (const sim_device *)handle;
}

static nvmlDevice_t handle_of(const sim_device *d) { return (nvmlDevice_t)(uintptr_t)d; }

static void set_error(const char *msg) { snprintf(g_last_error, sizeof g_last_error, "%s", msg); }

/* Every NVML function the library exports that can fail (all but nvmlErrorString); a fault
 * must name one of them. */
static const char *const EXPORTED_NVML_FUNCTIONS[] = {
    "nvmlInit_v2", "nvmlInitWithFlags", "nvmlShutdown", "nvmlSystemGetDriverVersion",
    "nvmlSystemGetNVMLVersion", "nvmlSystemGetCudaDriverVersion", "nvmlSystemGetCudaDriverVersion_v2",
    "nvmlDeviceGetCount_v2", "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByUUID",
    "nvmlDeviceGetHandleByPciBusId_v2", "nvmlDeviceGetIndex", "nvmlDeviceGetName", "nvmlDeviceGetUUID",
    "nvmlDeviceGetSerial", "nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetArchitecture",
    "nvmlDeviceGetCudaComputeCapability", "nvmlDeviceGetNumGpuCores", "nvmlDeviceGetMinorNumber",
    "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetMemoryInfo_v2", "nvmlDeviceGetBAR1MemoryInfo",
    "nvmlDeviceGetUtilizationRates", "nvmlDeviceGetEncoderUtilization", "nvmlDeviceGetDecoderUtilization",
    "nvmlDeviceGetClockInfo", "nvmlDeviceGetMaxClockInfo", "nvmlDeviceGetApplicationsClock",
    "nvmlDeviceGetPerformanceState", "nvmlDeviceGetCurrentClocksThrottleReasons",
    "nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetPowerUsage", "nvmlDeviceGetEnforcedPowerLimit",
    "nvmlDeviceGetPowerManagementLimit", "nvmlDeviceGetTotalEnergyConsumption", "nvmlDeviceGetTemperature",
    "nvmlDeviceGetFanSpeed", "nvmlDeviceGetPcieThroughput", "nvmlDeviceGetCurrPcieLinkGeneration",
    "nvmlDeviceGetCurrPcieLinkWidth", "nvmlDeviceGetMaxPcieLinkGeneration", "nvmlDeviceGetMaxPcieLinkWidth",
    "nvmlDeviceGetNvLinkState", "nvmlDeviceGetPcieReplayCounter", "nvmlDeviceGetTotalEccErrors", "nvmlDeviceGetRetiredPages",
    "nvmlDeviceGetRemappedRows", "nvmlDeviceGetMigMode", "nvmlDeviceGetComputeRunningProcesses_v3",
    "nvmlDeviceGetComputeRunningProcesses_v2", "nvmlDeviceGetProcessUtilization", "nvmlDeviceGetFieldValues",
    "nvmlGpmQueryDeviceSupport", "nvmlGpmSampleAlloc", "nvmlGpmSampleFree", "nvmlGpmSampleGet",
    "nvmlGpmMigSampleGet", "nvmlGpmMetricsGet", "nvmlEventSetCreate", "nvmlDeviceGetSupportedEventTypes",
    "nvmlDeviceRegisterEvents", "nvmlEventSetWait_v2", "nvmlEventSetFree",
};

/* The MIG functions (read-only: the library offers no call that changes the MIG layout). */
static const char *const EXPORTED_MIG_FUNCTIONS[] = {
    "nvmlDeviceGetMaxMigDeviceCount", "nvmlDeviceGetMigDeviceHandleByIndex", "nvmlDeviceIsMigDeviceHandle",
    "nvmlDeviceGetGpuInstanceId", "nvmlDeviceGetComputeInstanceId", "nvmlDeviceGetDeviceHandleFromMigDeviceHandle",
    "nvmlDeviceGetAttributes_v2",
};

bool sim_is_exported_nvml_function(const char *name) {
    for (size_t i = 0; i < sizeof EXPORTED_NVML_FUNCTIONS / sizeof EXPORTED_NVML_FUNCTIONS[0]; i++)
        if (!strcmp(EXPORTED_NVML_FUNCTIONS[i], name)) return true;
    for (size_t i = 0; i < sizeof EXPORTED_MIG_FUNCTIONS / sizeof EXPORTED_MIG_FUNCTIONS[0]; i++)
        if (!strcmp(EXPORTED_MIG_FUNCTIONS[i], name)) return true;
    return false;
}

/* ---- fault injection --------------------------------------------------------------------------- */

static nvmlReturn_t apply_one(const sim_scenario *s, const sim_fault *f) {
    double t = sim_now(s);
    if (t < f->from_s || t >= f->to_s) return NVML_SUCCESS;
    if (f->delay_ms) sleep_s(f->delay_ms / 1000.0);
    if (f->hang) {
        /* Block until the window ends: simulated time reaches `to` (also when a frozen clock is
         * moved past it), or as many real seconds pass, or the library is shut down. */
        unsigned long gen = __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE);
        double real_end = mono_now_s() + (f->to_s - t);
        for (;;) {
            double now = mono_now_s();
            if (now >= real_end || sim_now(s) >= f->to_s || __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE) != gen)
                break;
            double left = real_end - now;
            sleep_s(left < 0.01 ? left : 0.01);
        }
    }
    return f->ret;
}

static nvmlReturn_t apply_faults(const sim_scenario *s, const char *function, int device_index) {
    for (unsigned int i = 0; i < s->nfaults; i++) {
        const sim_fault *f = &s->faults[i];
        if (strcmp(f->function, function)) continue;
        if (f->device != -1 && f->device != device_index) continue;
        nvmlReturn_t r = apply_one(s, f);
        if (r != NVML_SUCCESS) return r;
    }
    return NVML_SUCCESS;
}

/* Entry of every call that needs an initialized library (and, for ENTER_DEV, a valid handle). */
#define ENTER_SYS() \
    CALL_GUARD; \
    const sim_scenario *S = current(); \
    if (!S) return NVML_ERROR_UNINITIALIZED; \
    do { \
        nvmlReturn_t r_ = apply_faults(S, __func__, -1); \
        if (r_ != NVML_SUCCESS) return r_; \
    } while (0)

#define ENTER_DEV(handle) \
    CALL_GUARD; \
    const sim_scenario *S = current(); \
    if (!S) return NVML_ERROR_UNINITIALIZED; \
    const sim_device *D = lookup(S, (handle)); \
    if (!D) return NVML_ERROR_INVALID_ARGUMENT; \
    do { \
        nvmlReturn_t r_ = apply_faults(S, __func__, (int)D->index); \
        if (r_ != NVML_SUCCESS) return r_; \
    } while (0)

/* ---- MIG device handles ------------------------------------------------------------------------ */

/* A MIG device handle points at a sim_mig inside its parent's sim_device; it is valid while the
 * parent's MIG mode is on (scenario checks guarantee that for every declared one). */
static const sim_mig *mig_lookup(const sim_scenario *s, nvmlDevice_t handle) {
    uintptr_t p = (uintptr_t)handle;
    if (!handle) return NULL;
    for (unsigned int i = 0; i < s->ndevices; i++) {
        const sim_device *d = &s->devices[i];
        uintptr_t base = (uintptr_t)&d->migs[0];
        if (p < base || p >= base + d->nmig * sizeof(sim_mig) || (p - base) % sizeof(sim_mig)) continue;
        return (const sim_mig *)handle;
    }
    return NULL;
}

static nvmlDevice_t mig_handle_of(const sim_mig *m) { return (nvmlDevice_t)(uintptr_t)m; }

/* First statement of a device function that also answers for MIG device handles: when the
 * handle is a MIG device, applies the faults of the parent device and returns `expr`, which may
 * use S_ (scenario) and M_ (the MIG device). */
#define MIG_FORWARD(handle, expr) \
    do { \
        CALL_GUARD; \
        const sim_scenario *S_ = current(); \
        const sim_mig *M_ = S_ ? mig_lookup(S_, (handle)) : NULL; \
        if (M_) { \
            nvmlReturn_t r_ = apply_faults(S_, __func__, (int)M_->parent_index); \
            if (r_ != NVML_SUCCESS) return r_; \
            return (expr); \
        } \
    } while (0)

static bool mig_enabled(const sim_device *d) { return d->has_mig && d->mig_current == NVML_DEVICE_MIG_ENABLE; }

/* ---- value helpers ----------------------------------------------------------------------------- */

static unsigned long long to_u64(double v) {
    if (!(v > 0)) return 0;
    if (v >= 18446744073709551615.0) return ~0ULL;
    return (unsigned long long)llround(v);
}

static unsigned int to_u32(double v) {
    unsigned long long x = to_u64(v);
    return x > 0xFFFFFFFFULL ? 0xFFFFFFFFU : (unsigned int)x;
}

static unsigned int percent(const sim_fn *f, double t) {
    double v = sim_fn_eval(f, t);
    return to_u32(v > 100 ? 100 : v);
}

static nvmlReturn_t copy_out(char *dst, unsigned int length, const char *src) {
    if (!dst) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(src) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(dst, src, strlen(src) + 1);
    return NVML_SUCCESS;
}

/* Answers for MIG device handles (defined in the MIG section at the end of the file). */
static nvmlReturn_t mig_name(const sim_scenario *S, const sim_mig *m, char *name, unsigned int length);
static nvmlReturn_t mig_memory(const sim_scenario *S, const sim_mig *m, unsigned long long *total,
                               unsigned long long *used);
static nvmlReturn_t mig_memory_v1(const sim_scenario *S, const sim_mig *m, nvmlMemory_t *memory);
static nvmlReturn_t mig_memory_v2(const sim_scenario *S, const sim_mig *m, nvmlMemory_v2_t *memory);
static nvmlReturn_t mig_processes(const sim_scenario *S, const sim_mig *m, unsigned int *infoCount,
                                  nvmlProcessInfo_t *infos);
static nvmlReturn_t mig_index(const sim_scenario *S, const sim_mig *m, unsigned int *index);

/* ---- simulator controls ------------------------------------------------------------------------ */

SIM_EXPORT void flopwatchSimSetScenarioPath(const char *path) {
    pthread_mutex_lock(&g_lock);
    if (path && *path) {
        snprintf(g_path, sizeof g_path, "%s", path);
        g_path_set = 1;
    } else {
        g_path_set = 0;
    }
    pthread_mutex_unlock(&g_lock);
}

SIM_EXPORT const char *flopwatchSimLastError(void) { return g_last_error; }

SIM_EXPORT void flopwatchSimSetFrozenClock(double seconds) {
    double v = (seconds >= 0 && isfinite(seconds)) ? seconds : -1;
    __atomic_store(&g_frozen_override_s, &v, __ATOMIC_RELEASE);
}

/* ---- lifecycle --------------------------------------------------------------------------------- */

static const char *ERROR_STRINGS[] = {
    /* Texts of nvmlErrorString in driver 535's libnvidia-ml.so.1 (Debian libnvidia-ml1),
     * read with ctypes from the real library; index = nvmlReturn_t. */
    "Success", "Uninitialized", "Invalid Argument", "Not Supported", "Insufficient Permissions",
    "Already Initialized", "Not Found", "Insufficient Size", "Insufficient External Power",
    "Driver Not Loaded", "Timeout", "Interrupt Request Issue", "NVML Shared Library Not Found",
    "Function Not Found", "Corrupted infoROM", "GPU is lost", "GPU requires reset",
    "GPU access blocked by the operating system", "Driver/library version mismatch",
    "In use by another client", "Insufficient Memory", "No data", "vGPU ECC not supported",
    "Insufficient Resources", "Invalid Frequency", "Argument version mismatch",
    "Requested functionality has been deprecated",
};

SIM_EXPORT const char *nvmlErrorString(nvmlReturn_t result) {
    unsigned int r = (unsigned int)result;
    if (r < sizeof ERROR_STRINGS / sizeof ERROR_STRINGS[0]) return ERROR_STRINGS[r];
    return "Unknown Error";
}

static bool parse_env_clock(sim_scenario *s, char *err, size_t errlen) {
    const char *v = getenv("FLOPWATCH_SIM_CLOCK");
    s->env_frozen_s = -1;
    if (!v || !*v || !strcmp(v, "running")) return true;
    if (!strncmp(v, "frozen:", 7)) {
        char *end;
        double secs = strtod(v + 7, &end);
        if (end != v + 7 && !*end && isfinite(secs) && secs >= 0) {
            s->env_frozen_s = secs;
            return true;
        }
    }
    snprintf(err, errlen, "FLOPWATCH_SIM_CLOCK='%s': expected frozen:<seconds> or running", v);
    return false;
}

static nvmlReturn_t do_init(const char *function) {
    pthread_mutex_lock(&g_lock);
    if (g_refcount > 0) {
        g_refcount++;
        pthread_mutex_unlock(&g_lock);
        return NVML_SUCCESS;
    }
    char err[sizeof g_last_error];
    const char *path = g_path_set ? g_path : getenv("FLOPWATCH_SIM_SCENARIO");
    if (!path || !*path) {
        set_error("no scenario: set FLOPWATCH_SIM_SCENARIO or call flopwatchSimSetScenarioPath before nvmlInit");
        pthread_mutex_unlock(&g_lock);
        return NVML_ERROR_UNKNOWN;
    }
    sim_scenario *s = calloc(1, sizeof *s);
    if (!s) {
        set_error("out of memory");
        pthread_mutex_unlock(&g_lock);
        return NVML_ERROR_MEMORY;
    }
    if (!sim_scenario_load(path, s, err, sizeof err) || !parse_env_clock(s, err, sizeof err)) {
        set_error(err);
        sim_scenario_free(s);
        free(s);
        pthread_mutex_unlock(&g_lock);
        return NVML_ERROR_UNKNOWN;
    }
    s->start_mono_s = mono_now_s();
    s->base_epoch_unix_s = s->has_epoch ? s->epoch_unix_s : wall_now_s();
    /* Both init entry points are the same operation: a fault on either applies to both.
     * They run under g_lock, which only init and shutdown take. */
    nvmlReturn_t r = apply_faults(s, "nvmlInit_v2", -1);
    if (r == NVML_SUCCESS) r = apply_faults(s, "nvmlInitWithFlags", -1);
    if (r != NVML_SUCCESS) {
        snprintf(err, sizeof err, "%s: fault injected by the scenario: %s", function, nvmlErrorString(r));
        set_error(err);
        sim_scenario_free(s);
        free(s);
        pthread_mutex_unlock(&g_lock);
        return r;
    }
    g_last_error[0] = '\0';
    g_refcount = 1;
    s->id = ++g_next_id;
    free_retired();
    __atomic_store_n(&g_scenario, s, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&g_lock);
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlInit_v2(void) { return do_init(__func__); }

SIM_EXPORT nvmlReturn_t nvmlInitWithFlags(unsigned int flags) {
    (void)flags; /* NO_GPUS / NO_ATTACH change nothing here: a scenario may have zero devices */
    return do_init(__func__);
}

SIM_EXPORT nvmlReturn_t nvmlShutdown(void) {
    nvmlReturn_t r = NVML_SUCCESS;
    {
        CALL_GUARD;
        const sim_scenario *S = current();
        if (S) r = apply_faults(S, __func__, -1);
    }
    if (r != NVML_SUCCESS) return r;
    pthread_mutex_lock(&g_lock);
    if (g_refcount == 0) {
        pthread_mutex_unlock(&g_lock);
        return NVML_ERROR_UNINITIALIZED;
    }
    if (--g_refcount == 0) {
        /* Retired, freed once no call is in flight: see the comment at the top of the file. */
        sim_scenario *s = __atomic_exchange_n(&g_scenario, NULL, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&g_generation, 1, __ATOMIC_ACQ_REL);
        s->next_retired = g_retired;
        g_retired = s;
        free_retired();
    }
    pthread_mutex_unlock(&g_lock);
    return NVML_SUCCESS;
}

/* ---- system ------------------------------------------------------------------------------------ */

SIM_EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    ENTER_SYS();
    return copy_out(version, length, S->driver_version);
}

SIM_EXPORT nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length) {
    ENTER_SYS();
    return copy_out(version, length, S->nvml_version);
}

static nvmlReturn_t cuda_version(const sim_scenario *S, int *v) {
    if (!v) return NVML_ERROR_INVALID_ARGUMENT;
    if (S->cuda_driver_version <= 0) return NVML_ERROR_NOT_SUPPORTED;
    *v = S->cuda_driver_version;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *cudaDriverVersion) {
    ENTER_SYS();
    return cuda_version(S, cudaDriverVersion);
}

SIM_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *cudaDriverVersion) {
    ENTER_SYS();
    return cuda_version(S, cudaDriverVersion);
}

/* ---- enumeration and identity ------------------------------------------------------------------ */

SIM_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) {
    ENTER_SYS();
    if (!deviceCount) return NVML_ERROR_INVALID_ARGUMENT;
    *deviceCount = S->ndevices;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    CALL_GUARD;
    const sim_scenario *S = current();
    if (!S) return NVML_ERROR_UNINITIALIZED;
    nvmlReturn_t r = apply_faults(S, __func__, index < S->ndevices ? (int)index : -2);
    if (r != NVML_SUCCESS) return r;
    if (!device || index >= S->ndevices) return NVML_ERROR_INVALID_ARGUMENT;
    *device = handle_of(&S->devices[index]);
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device) {
    ENTER_SYS();
    if (!uuid || !device) return NVML_ERROR_INVALID_ARGUMENT;
    for (unsigned int i = 0; i < S->ndevices; i++)
        if (!strcasecmp(S->devices[i].uuid, uuid)) {
            *device = handle_of(&S->devices[i]);
            return NVML_SUCCESS;
        }
    /* nvml.h: "The UUID of the target GPU or MIG instance". */
    for (unsigned int i = 0; i < S->ndevices; i++)
        for (unsigned int j = 0; j < S->devices[i].nmig; j++)
            if (!strcasecmp(S->devices[i].migs[j].uuid, uuid)) {
                *device = mig_handle_of(&S->devices[i].migs[j]);
                return NVML_SUCCESS;
            }
    return NVML_ERROR_NOT_FOUND;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *pciBusId, nvmlDevice_t *device) {
    ENTER_SYS();
    if (!pciBusId || !device) return NVML_ERROR_INVALID_ARGUMENT;
    unsigned int dom = 0, bus, dev, fn;
    char tail;
    if (sscanf(pciBusId, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4) {
        dom = 0;
        if (sscanf(pciBusId, "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3) return NVML_ERROR_INVALID_ARGUMENT;
    }
    for (unsigned int i = 0; i < S->ndevices; i++) {
        const sim_device *d = &S->devices[i];
        if (d->pci_domain == dom && d->pci_bus == bus && d->pci_device == dev && fn == 0) {
            *device = handle_of(d);
            return NVML_SUCCESS;
        }
    }
    return NVML_ERROR_NOT_FOUND;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index) {
    MIG_FORWARD(device, mig_index(S_, M_, index));
    ENTER_DEV(device);
    if (!index) return NVML_ERROR_INVALID_ARGUMENT;
    *index = D->index;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    MIG_FORWARD(device, mig_name(S_, M_, name, length));
    ENTER_DEV(device);
    return copy_out(name, length, D->name);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
    MIG_FORWARD(device, copy_out(uuid, length, M_->uuid));
    ENTER_DEV(device);
    return copy_out(uuid, length, D->uuid);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t device, char *serial, unsigned int length) {
    ENTER_DEV(device);
    if (!D->has_serial) return NVML_ERROR_NOT_SUPPORTED;
    return copy_out(serial, length, D->serial);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci) {
    ENTER_DEV(device);
    if (!pci) return NVML_ERROR_INVALID_ARGUMENT;
    memset(pci, 0, sizeof *pci);
    pci->domain = D->pci_domain;
    pci->bus = D->pci_bus;
    pci->device = D->pci_device;
    pci->pciDeviceId = D->pci_device_id;
    pci->pciSubSystemId = D->pci_subsystem_id;
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.0", D->pci_domain & 0xFFFFu,
             D->pci_bus & 0xFFu, D->pci_device & 0x1Fu);
    snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.0", D->pci_domain, D->pci_bus & 0xFFu,
             D->pci_device & 0x1Fu);
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, nvmlDeviceArchitecture_t *arch) {
    ENTER_DEV(device);
    if (!arch) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_arch) return NVML_ERROR_NOT_SUPPORTED;
    *arch = D->arch;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor) {
    ENTER_DEV(device);
    if (!major || !minor) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_cc) return NVML_ERROR_NOT_SUPPORTED;
    *major = D->cc_major;
    *minor = D->cc_minor;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetNumGpuCores(nvmlDevice_t device, unsigned int *numCores) {
    ENTER_DEV(device);
    if (!numCores) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_gpu_cores) return NVML_ERROR_NOT_SUPPORTED;
    *numCores = D->gpu_cores;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t device, unsigned int *minorNumber) {
    ENTER_DEV(device);
    if (!minorNumber) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_minor) return NVML_ERROR_NOT_SUPPORTED;
    *minorNumber = D->minor_number;
    return NVML_SUCCESS;
}

/* ---- memory ------------------------------------------------------------------------------------ */

static unsigned long long memory_used(const sim_device *d, double t) {
    unsigned long long used = sim_fn_present(&d->memory_used) ? to_u64(sim_fn_eval(&d->memory_used, t))
                                                              : d->memory_reserved;
    if (used < d->memory_reserved) used = d->memory_reserved;
    return used > d->memory_total ? d->memory_total : used;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
    MIG_FORWARD(device, mig_memory_v1(S_, M_, memory));
    ENTER_DEV(device);
    if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
    unsigned long long used = memory_used(D, sim_now(S));
    memory->total = D->memory_total;
    memory->used = used;
    memory->free = D->memory_total - used;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
    MIG_FORWARD(device, mig_memory_v2(S_, M_, memory));
    ENTER_DEV(device);
    if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
    if (memory->version != nvmlMemory_v2) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    unsigned long long used = memory_used(D, sim_now(S));
    memory->total = D->memory_total;
    memory->reserved = D->memory_reserved;
    memory->used = used; /* includes reserved, as NVML documents for v2 */
    memory->free = D->memory_total - used;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetBAR1MemoryInfo(nvmlDevice_t device, nvmlBAR1Memory_t *bar1Memory) {
    ENTER_DEV(device);
    if (!bar1Memory) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_bar1) return NVML_ERROR_NOT_SUPPORTED;
    unsigned long long used = sim_fn_present(&D->bar1_used) ? to_u64(sim_fn_eval(&D->bar1_used, sim_now(S))) : 0;
    if (used > D->bar1_total) used = D->bar1_total;
    bar1Memory->bar1Total = D->bar1_total;
    bar1Memory->bar1Used = used;
    bar1Memory->bar1Free = D->bar1_total - used;
    return NVML_SUCCESS;
}

/* ---- utilization ------------------------------------------------------------------------------- */

SIM_EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
    MIG_FORWARD(device, NVML_ERROR_NOT_SUPPORTED);
    ENTER_DEV(device);
    if (!utilization) return NVML_ERROR_INVALID_ARGUMENT;
    /* nvml.h: "On MIG-enabled GPUs, querying device utilization rates is not currently supported." */
    if (mig_enabled(D)) return NVML_ERROR_NOT_SUPPORTED;
    if (!sim_fn_present(&D->util_gpu)) return NVML_ERROR_NOT_SUPPORTED;
    double t = sim_now(S);
    utilization->gpu = percent(&D->util_gpu, t);
    utilization->memory = sim_fn_present(&D->util_mem) ? percent(&D->util_mem, t) : 0;
    return NVML_SUCCESS;
}

/* The sampling period NVML reports for encoder/decoder utilization varies by product; the
 * simulator reports a fixed 167 ms (1/6 s, the shortest period NVML documents for utilization). */
#define SIM_CODEC_SAMPLING_PERIOD_US 166667u

static nvmlReturn_t codec_util(const sim_scenario *S, const sim_fn *f, unsigned int *u, unsigned int *period) {
    if (!u || !period) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(f)) return NVML_ERROR_NOT_SUPPORTED;
    *u = percent(f, sim_now(S));
    *period = SIM_CODEC_SAMPLING_PERIOD_US;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetEncoderUtilization(nvmlDevice_t device, unsigned int *utilization,
                                                        unsigned int *samplingPeriodUs) {
    ENTER_DEV(device);
    return codec_util(S, &D->util_enc, utilization, samplingPeriodUs);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetDecoderUtilization(nvmlDevice_t device, unsigned int *utilization,
                                                        unsigned int *samplingPeriodUs) {
    ENTER_DEV(device);
    return codec_util(S, &D->util_dec, utilization, samplingPeriodUs);
}

/* ---- clocks, performance state, throttling ----------------------------------------------------- */

SIM_EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock) {
    ENTER_DEV(device);
    if (!clock || (unsigned int)type >= NVML_CLOCK_COUNT) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(&D->clock[type])) return NVML_ERROR_NOT_SUPPORTED;
    *clock = to_u32(sim_fn_eval(&D->clock[type], sim_now(S)));
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock) {
    ENTER_DEV(device);
    if (!clock || (unsigned int)type >= NVML_CLOCK_COUNT) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->max_clock[type]) return NVML_ERROR_NOT_SUPPORTED;
    *clock = D->max_clock[type];
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetApplicationsClock(nvmlDevice_t device, nvmlClockType_t clockType,
                                                       unsigned int *clockMHz) {
    ENTER_DEV(device);
    if (!clockMHz || (unsigned int)clockType >= NVML_CLOCK_COUNT) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->app_clock[clockType]) return NVML_ERROR_NOT_SUPPORTED;
    *clockMHz = D->app_clock[clockType];
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t device, nvmlPstates_t *pState) {
    ENTER_DEV(device);
    if (!pState) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(&D->pstate)) return NVML_ERROR_NOT_SUPPORTED;
    unsigned int p = to_u32(sim_fn_eval(&D->pstate, sim_now(S)));
    *pState = (nvmlPstates_t)(p > 15 ? 32 : p);
    return NVML_SUCCESS;
}

static nvmlReturn_t throttle(const sim_scenario *S, const sim_device *D, unsigned long long *out) {
    if (!out) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(&D->throttle_reasons)) return NVML_ERROR_NOT_SUPPORTED;
    *out = to_u64(sim_fn_eval(&D->throttle_reasons, sim_now(S)));
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device,
                                                                  unsigned long long *clocksThrottleReasons) {
    ENTER_DEV(device);
    return throttle(S, D, clocksThrottleReasons);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device,
                                                               unsigned long long *clocksEventReasons) {
    ENTER_DEV(device);
    return throttle(S, D, clocksEventReasons);
}

/* ---- power, energy, thermal -------------------------------------------------------------------- */

SIM_EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
    ENTER_DEV(device);
    if (!power) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(&D->power_mw)) return NVML_ERROR_NOT_SUPPORTED;
    *power = to_u32(sim_fn_eval(&D->power_mw, sim_now(S)));
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit) {
    ENTER_DEV(device);
    if (!limit) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->enforced_power_limit_mw) return NVML_ERROR_NOT_SUPPORTED;
    *limit = D->enforced_power_limit_mw;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int *limit) {
    ENTER_DEV(device);
    if (!limit) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->power_limit_mw) return NVML_ERROR_NOT_SUPPORTED;
    *limit = D->power_limit_mw;
    return NVML_SUCCESS;
}

/* mW integrated over seconds is mJ: the counter is exactly the integral of the power function. */
static unsigned long long energy_mj(const sim_device *d, double t) {
    return to_u64(d->energy_offset_mj + sim_fn_integral(&d->power_mw, t));
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy) {
    ENTER_DEV(device);
    if (!energy) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(&D->power_mw)) return NVML_ERROR_NOT_SUPPORTED;
    *energy = energy_mj(D, sim_now(S));
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensorType,
                                                 unsigned int *temp) {
    ENTER_DEV(device);
    if (!temp || sensorType != NVML_TEMPERATURE_GPU) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(&D->temperature_c)) return NVML_ERROR_NOT_SUPPORTED;
    *temp = to_u32(sim_fn_eval(&D->temperature_c, sim_now(S)));
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t device, unsigned int *speed) {
    ENTER_DEV(device);
    if (!speed) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(&D->fan_percent)) return NVML_ERROR_NOT_SUPPORTED;
    *speed = percent(&D->fan_percent, sim_now(S));
    return NVML_SUCCESS;
}

/* ---- PCIe and NVLink --------------------------------------------------------------------------- */

SIM_EXPORT nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t device, nvmlPcieUtilCounter_t counter,
                                                    unsigned int *value) {
    ENTER_DEV(device);
    if (!value || (unsigned int)counter >= NVML_PCIE_UTIL_COUNT) return NVML_ERROR_INVALID_ARGUMENT;
    const sim_fn *f = counter == NVML_PCIE_UTIL_TX_BYTES ? &D->pcie_tx_kbps : &D->pcie_rx_kbps;
    if (!sim_fn_present(f)) return NVML_ERROR_NOT_SUPPORTED;
    *value = to_u32(sim_fn_eval(f, sim_now(S)));
    return NVML_SUCCESS;
}

static nvmlReturn_t pcie_link(const sim_device *D, unsigned int v, unsigned int *out) {
    if (!out) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_pcie_link) return NVML_ERROR_NOT_SUPPORTED;
    *out = v;
    return NVML_SUCCESS;
}

/* ---- interconnect errors and PCIe link degradation (docs/simulator.md) ------------------------ */

/* The current link while a `pcie_degraded` window holds, else the declared one. */
static bool pcie_degraded_now(const sim_device *d, double t) {
    return d->has_pcie_degraded && t >= d->pcie_degraded_from_s && t < d->pcie_degraded_to_s;
}

static unsigned int pcie_gen_now(const sim_device *d, double t) {
    return pcie_degraded_now(d, t) ? d->pcie_degraded_gen : d->pcie_gen_cur;
}

static unsigned int pcie_width_now(const sim_device *d, double t) {
    return pcie_degraded_now(d, t) ? d->pcie_degraded_width : d->pcie_width_cur;
}

/* A count driven by a rate: whole events so far, never decreasing. */
static unsigned long long event_count(const sim_fn *rate, double t) {
    double n = sim_fn_integral(rate, t);
    return n > 0 ? to_u64(floor(n)) : 0;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t device, unsigned int *value) {
    ENTER_DEV(device);
    if (!value) return NVML_ERROR_INVALID_ARGUMENT;
    if (!sim_fn_present(&D->pcie_replays_per_s)) return NVML_ERROR_NOT_SUPPORTED;
    *value = to_u32((double)event_count(&D->pcie_replays_per_s, sim_now(S)));
    return NVML_SUCCESS;
}

/* Fields 38/45/52/59 (NVLink error totals over all lanes) and 94 (PCIe replays). */
static nvmlReturn_t interconnect_field(const sim_device *d, nvmlFieldValue_t *v, double t) {
    const sim_fn *rate;
    switch (v->fieldId) {
    case NVML_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL: rate = &d->nvlink_errors_per_s[0]; break;
    case NVML_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL: rate = &d->nvlink_errors_per_s[1]; break;
    case NVML_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL: rate = &d->nvlink_errors_per_s[2]; break;
    case NVML_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL: rate = &d->nvlink_errors_per_s[3]; break;
    case NVML_FI_DEV_PCIE_REPLAY_COUNTER: rate = &d->pcie_replays_per_s; break;
    default: return NVML_ERROR_NOT_SUPPORTED;
    }
    if (v->fieldId != NVML_FI_DEV_PCIE_REPLAY_COUNTER && !d->nvlink_links) return NVML_ERROR_NOT_SUPPORTED;
    if (!sim_fn_present(rate)) {
        /* A healthy link: zero errors on an NVLink device, as NVML reports them. */
        if (v->fieldId == NVML_FI_DEV_PCIE_REPLAY_COUNTER) return NVML_ERROR_NOT_SUPPORTED;
        v->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
        v->value.ullVal = 0;
        return NVML_SUCCESS;
    }
    v->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
    v->value.ullVal = event_count(rate, t);
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int *currLinkGen) {
    ENTER_DEV(device);
    return pcie_link(D, pcie_gen_now(D, sim_now(S)), currLinkGen);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int *currLinkWidth) {
    ENTER_DEV(device);
    return pcie_link(D, pcie_width_now(D, sim_now(S)), currLinkWidth);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t device, unsigned int *maxLinkGen) {
    ENTER_DEV(device);
    return pcie_link(D, D->pcie_gen_max, maxLinkGen);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t device, unsigned int *maxLinkWidth) {
    ENTER_DEV(device);
    return pcie_link(D, D->pcie_width_max, maxLinkWidth);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t device, unsigned int link, nvmlEnableState_t *isActive) {
    ENTER_DEV(device);
    if (!isActive) return NVML_ERROR_INVALID_ARGUMENT;
    if (D->nvlink_links == 0) return NVML_ERROR_NOT_SUPPORTED;
    if (link >= D->nvlink_links) return NVML_ERROR_INVALID_ARGUMENT;
    *isActive = D->nvlink_down[link] ? NVML_FEATURE_DISABLED : NVML_FEATURE_ENABLED;
    return NVML_SUCCESS;
}

static unsigned int active_links(const sim_device *d) {
    unsigned int n = 0;
    for (unsigned int i = 0; i < d->nvlink_links; i++) n += !d->nvlink_down[i];
    return n;
}

/* Share of a device-wide NVLink quantity carried by one link: split evenly over active links. */
static double link_share(const sim_device *d, unsigned int link) {
    unsigned int n = active_links(d);
    return (link < d->nvlink_links && !d->nvlink_down[link] && n) ? 1.0 / n : 0.0;
}

/* ---- reliability, MIG -------------------------------------------------------------------------- */

SIM_EXPORT nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, nvmlMemoryErrorType_t errorType,
                                                    nvmlEccCounterType_t counterType, unsigned long long *eccCounts) {
    ENTER_DEV(device);
    if (!eccCounts || (unsigned int)errorType >= NVML_MEMORY_ERROR_TYPE_COUNT ||
        (unsigned int)counterType >= NVML_ECC_COUNTER_TYPE_COUNT)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_ecc) return NVML_ERROR_NOT_SUPPORTED;
    *eccCounts = D->ecc[errorType][counterType];
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t device, nvmlPageRetirementCause_t cause,
                                                  unsigned int *pageCount, unsigned long long *addresses) {
    ENTER_DEV(device);
    if (!pageCount || (unsigned int)cause >= NVML_PAGE_RETIREMENT_CAUSE_COUNT) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_retired_pages) return NVML_ERROR_NOT_SUPPORTED;
    unsigned int n = D->retired_count[cause];
    if (*pageCount < n) {
        *pageCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    if (n && !addresses) return NVML_ERROR_INVALID_ARGUMENT;
    if (n) memcpy(addresses, D->retired[cause], n * sizeof *addresses);
    *pageCount = n;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t device, unsigned int *corrRows, unsigned int *uncRows,
                                                  unsigned int *isPending, unsigned int *failureOccurred) {
    ENTER_DEV(device);
    if (!corrRows || !uncRows || !isPending || !failureOccurred) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_remapped_rows) return NVML_ERROR_NOT_SUPPORTED;
    *corrRows = D->remap_corr;
    *uncRows = D->remap_unc;
    *isPending = D->remap_pending;
    *failureOccurred = D->remap_failure;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode) {
    ENTER_DEV(device);
    if (!currentMode || !pendingMode) return NVML_ERROR_INVALID_ARGUMENT;
    if (!D->has_mig) return NVML_ERROR_NOT_SUPPORTED;
    *currentMode = D->mig_current;
    *pendingMode = D->mig_pending;
    return NVML_SUCCESS;
}

/* ---- processes --------------------------------------------------------------------------------- */

/* nvmlProcessInfo_t and nvmlProcessInfo_v2_t have the same layout in this API generation. */
_Static_assert(sizeof(nvmlProcessInfo_t) == sizeof(nvmlProcessInfo_v2_t), "process info layouts differ");

static nvmlReturn_t processes(const sim_device *D, unsigned int *infoCount, nvmlProcessInfo_t *infos) {
    if (!infoCount) return NVML_ERROR_INVALID_ARGUMENT;
    unsigned int n = D->nprocs;
    if (*infoCount < n) {
        *infoCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    if (n && !infos) return NVML_ERROR_INVALID_ARGUMENT;
    for (unsigned int i = 0; i < n; i++) {
        const sim_process *p = &D->procs[i];
        infos[i].pid = p->pid;
        infos[i].usedGpuMemory = p->used_bytes;
        infos[i].gpuInstanceId = p->gpu_instance_id;
        infos[i].computeInstanceId = p->compute_instance_id;
    }
    *infoCount = n;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount,
                                                                nvmlProcessInfo_t *infos) {
    MIG_FORWARD(device, mig_processes(S_, M_, infoCount, infos));
    ENTER_DEV(device);
    return processes(D, infoCount, infos);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, unsigned int *infoCount,
                                                                nvmlProcessInfo_v2_t *infos) {
    MIG_FORWARD(device, mig_processes(S_, M_, infoCount, (nvmlProcessInfo_t *)(void *)infos));
    ENTER_DEV(device);
    return processes(D, infoCount, (nvmlProcessInfo_t *)(void *)infos);
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t *utilization,
                                                        unsigned int *processSamplesCount,
                                                        unsigned long long lastSeenTimeStamp) {
    MIG_FORWARD(device, NVML_ERROR_NOT_SUPPORTED);
    ENTER_DEV(device);
    if (!processSamplesCount) return NVML_ERROR_INVALID_ARGUMENT;
    /* nvml.h: "On MIG-enabled GPUs, querying process utilization is not currently supported." */
    if (mig_enabled(D)) return NVML_ERROR_NOT_SUPPORTED;
    double t = sim_now(S);
    unsigned long long ts = epoch_us(S, t);
    unsigned int n = 0;
    if (ts > lastSeenTimeStamp)
        for (unsigned int i = 0; i < D->nprocs; i++) n += D->procs[i].has_util;
    if (n == 0) return NVML_ERROR_NOT_FOUND; /* NVML: no samples newer than lastSeenTimeStamp */
    if (!utilization || *processSamplesCount < n) {
        *processSamplesCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    unsigned int k = 0;
    for (unsigned int i = 0; i < D->nprocs; i++) {
        const sim_process *p = &D->procs[i];
        if (!p->has_util) continue;
        nvmlProcessUtilizationSample_t *u = &utilization[k++];
        u->pid = p->pid;
        u->timeStamp = ts;
        u->smUtil = sim_fn_present(&p->sm) ? percent(&p->sm, t) : 0;
        u->memUtil = sim_fn_present(&p->mem) ? percent(&p->mem, t) : 0;
        u->encUtil = sim_fn_present(&p->enc) ? percent(&p->enc, t) : 0;
        u->decUtil = sim_fn_present(&p->dec) ? percent(&p->dec, t) : 0;
    }
    *processSamplesCount = n;
    return NVML_SUCCESS;
}

/* ---- field values ------------------------------------------------------------------------------ */

static void set_value(nvmlFieldValue_t *v, nvmlValueType_t type, double x) {
    v->valueType = type;
    switch (type) {
    case NVML_VALUE_TYPE_DOUBLE: v->value.dVal = x; break;
    case NVML_VALUE_TYPE_UNSIGNED_INT: v->value.uiVal = to_u32(x); break;
    case NVML_VALUE_TYPE_UNSIGNED_LONG: v->value.ulVal = (unsigned long)to_u64(x); break;
    case NVML_VALUE_TYPE_SIGNED_LONG_LONG: v->value.sllVal = (signed long long)llround(x); break;
    case NVML_VALUE_TYPE_UNSIGNED_LONG_LONG:
    default: v->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG; v->value.ullVal = to_u64(x); break;
    }
}

static nvmlReturn_t field_value(const sim_device *d, nvmlFieldValue_t *v, double t) {
    for (unsigned int i = 0; i < d->nfields; i++) {
        const sim_field *f = &d->fields[i];
        if (f->field_id != v->fieldId || (!f->any_scope && f->scope_id != v->scopeId)) continue;
        set_value(v, f->type, f->cumulative ? f->offset + sim_fn_integral(&f->fn, t) : sim_fn_eval(&f->fn, t));
        return NVML_SUCCESS;
    }
    switch (v->fieldId) {
    case NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION:
        if (!sim_fn_present(&d->power_mw)) return NVML_ERROR_NOT_SUPPORTED;
        v->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
        v->value.ullVal = energy_mj(d, t);
        return NVML_SUCCESS;
    case NVML_FI_DEV_NVLINK_LINK_COUNT:
        if (!d->nvlink_links) return NVML_ERROR_NOT_SUPPORTED;
        v->valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
        v->value.uiVal = d->nvlink_links;
        return NVML_SUCCESS;
    case NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX:
    case NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_RX: {
        /* Cumulative KiB: the integral of the device's KiB/s rate, per link (scopeId = link) or
         * for all links (scopeId = 0xFFFFFFFF, a simulator convenience). */
        const sim_fn *rate = v->fieldId == NVML_FI_DEV_NVLINK_THROUGHPUT_DATA_TX ? &d->nvlink_tx_kibps : &d->nvlink_rx_kibps;
        if (!d->nvlink_links || !sim_fn_present(rate)) return NVML_ERROR_NOT_SUPPORTED;
        double share;
        if (v->scopeId == 0xFFFFFFFFu) share = 1.0;
        else if (v->scopeId < d->nvlink_links) share = link_share(d, v->scopeId);
        else return NVML_ERROR_INVALID_ARGUMENT;
        v->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
        v->value.ullVal = to_u64(sim_fn_integral(rate, t) * share);
        return NVML_SUCCESS;
    }
    default:
        return interconnect_field(d, v, t);
    }
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount, nvmlFieldValue_t *values) {
    ENTER_DEV(device);
    if (!values || valuesCount <= 0) return NVML_ERROR_INVALID_ARGUMENT;
    double t = sim_now(S);
    for (int i = 0; i < valuesCount; i++) {
        nvmlFieldValue_t *v = &values[i];
        v->timestamp = (long long)epoch_us(S, t);
        v->latencyUsec = 0;
        v->nvmlReturn = field_value(D, v, t);
    }
    return NVML_SUCCESS;
}

/* ---- GPM --------------------------------------------------------------------------------------- */

static bool gpm_supported(const sim_device *d) {
    if (d->gpm_setting >= 0) return d->gpm_setting == 1;
    /* NVML documents GPM as %HOPPER_OR_NEWER%; NVML_DEVICE_ARCH_UNKNOWN means "newer". */
    return d->has_arch && d->arch >= NVML_DEVICE_ARCH_HOPPER;
}

SIM_EXPORT nvmlReturn_t nvmlGpmQueryDeviceSupport(nvmlDevice_t device, nvmlGpmSupport_t *gpmSupport) {
    ENTER_DEV(device);
    if (!gpmSupport) return NVML_ERROR_INVALID_ARGUMENT;
    if (gpmSupport->version != NVML_GPM_SUPPORT_VERSION) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    gpmSupport->isSupportedDevice = gpm_supported(D) ? 1 : 0;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlGpmSampleAlloc(nvmlGpmSample_t *gpmSample) {
    ENTER_SYS();
    if (!gpmSample) return NVML_ERROR_INVALID_ARGUMENT;
    struct nvmlGpmSample_st *s = calloc(1, sizeof *s);
    if (!s) return NVML_ERROR_MEMORY;
    s->magic = MAGIC_GPM_SAMPLE;
    *gpmSample = s;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlGpmSampleFree(nvmlGpmSample_t gpmSample) {
    ENTER_SYS();
    if (!gpmSample || gpmSample->magic != MAGIC_GPM_SAMPLE) return NVML_ERROR_INVALID_ARGUMENT;
    gpmSample->magic = 0;
    free(gpmSample);
    return NVML_SUCCESS;
}

static nvmlReturn_t take_sample(const sim_scenario *S, const sim_device *D, nvmlGpmSample_t sample) {
    if (!sample || sample->magic != MAGIC_GPM_SAMPLE) return NVML_ERROR_INVALID_ARGUMENT;
    if (!gpm_supported(D)) return NVML_ERROR_NOT_SUPPORTED;
    sample->scenario_id = S->id;
    sample->device_index = D->index;
    sample->time_s = sim_now(S);
    sample->filled = 1;
    sample->mig = 0;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlGpmSampleGet(nvmlDevice_t device, nvmlGpmSample_t gpmSample) {
    ENTER_DEV(device);
    return take_sample(S, D, gpmSample);
}

SIM_EXPORT nvmlReturn_t nvmlGpmMigSampleGet(nvmlDevice_t device, unsigned int gpuInstanceId, nvmlGpmSample_t gpmSample) {
    ENTER_DEV(device);
    if (!gpm_supported(D)) return NVML_ERROR_NOT_SUPPORTED;
    if (!mig_enabled(D)) return NVML_ERROR_NOT_SUPPORTED;
    bool known = false;
    for (unsigned int i = 0; i < D->nmig && !known; i++) known = D->migs[i].gpu_instance_id == gpuInstanceId;
    if (!known) return NVML_ERROR_INVALID_ARGUMENT;
    nvmlReturn_t r = take_sample(S, D, gpmSample);
    if (r == NVML_SUCCESS) {
        gpmSample->mig = 1;
        gpmSample->gpu_instance_id = gpuInstanceId;
    }
    return r;
}

/* Mean of a metric over [t1, t2]. Metrics the scenario does not give: the PCIe and NVLink
 * bandwidths follow the device's rates (KB/s and KiB/s divided by 1024 → MiB/s); every other
 * metric of the CUDA 11.8 enumeration reads 0; unknown ids are NOT_SUPPORTED. */
static nvmlReturn_t gpm_value(const sim_device *d, unsigned int id, double t1, double t2, double *out) {
    for (unsigned int i = 0; i < d->ngpm; i++)
        if (d->gpm[i].metric_id == id) {
            *out = sim_fn_mean(&d->gpm[i].fn, t1, t2);
            return NVML_SUCCESS;
        }
    if (!sim_gpm_metric_known(id)) return NVML_ERROR_NOT_SUPPORTED;
    const sim_fn *rate = NULL;
    double share = 1.0;
    if (id == 20) rate = &d->pcie_tx_kbps;
    else if (id == 21) rate = &d->pcie_rx_kbps;
    else if (id == 60) rate = &d->nvlink_rx_kibps;
    else if (id == 61) rate = &d->nvlink_tx_kibps;
    else if (id >= 62 && id <= 97) {
        unsigned int link = (id - 62) / 2;
        rate = (id - 62) % 2 ? &d->nvlink_tx_kibps : &d->nvlink_rx_kibps;
        share = link_share(d, link);
    }
    *out = rate && sim_fn_present(rate) ? sim_fn_mean(rate, t1, t2) * share / 1024.0 : 0.0;
    return NVML_SUCCESS;
}

/* Mean of a metric of MIG GPU instance gi over [t1, t2]: its mig_gpm_metric functions; every
 * other metric of the CUDA 11.8 enumeration reads 0; unknown ids are NOT_SUPPORTED. */
static nvmlReturn_t mig_gpm_value(const sim_device *d, unsigned int gi, unsigned int id, double t1, double t2,
                                  double *out) {
    for (unsigned int j = 0; j < d->nmig; j++) {
        const sim_mig *g = &d->migs[j];
        if (g->gpu_instance_id != gi) continue;
        for (unsigned int i = 0; i < g->ngpm; i++)
            if (g->gpm[i].metric_id == id) {
                *out = sim_fn_mean(&g->gpm[i].fn, t1, t2);
                return NVML_SUCCESS;
            }
    }
    if (!sim_gpm_metric_known(id)) return NVML_ERROR_NOT_SUPPORTED;
    *out = 0.0;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlGpmMetricsGet(nvmlGpmMetricsGet_t *metricsGet) {
    CALL_GUARD;
    const sim_scenario *S = current();
    if (!S) return NVML_ERROR_UNINITIALIZED;
    if (!metricsGet) return NVML_ERROR_INVALID_ARGUMENT;
    if (metricsGet->version != NVML_GPM_METRICS_GET_VERSION) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    /* Callers built against newer headers pass bigger arrays (210, 333 entries) with the same
     * struct version: read and write only numMetrics entries. */
    if (metricsGet->numMetrics == 0 || metricsGet->numMetrics > SIM_GPM_METRICS_ARRAY_MAX)
        return NVML_ERROR_INVALID_ARGUMENT;
    nvmlGpmSample_t s1 = metricsGet->sample1, s2 = metricsGet->sample2;
    if (!s1 || !s2 || s1->magic != MAGIC_GPM_SAMPLE || s2->magic != MAGIC_GPM_SAMPLE || !s1->filled || !s2->filled)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (s1->device_index != s2->device_index || s1->scenario_id != S->id || s2->scenario_id != S->id ||
        s1->device_index >= S->ndevices)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (s1->mig != s2->mig || (s1->mig && s1->gpu_instance_id != s2->gpu_instance_id)) return NVML_ERROR_INVALID_ARGUMENT;
    const sim_device *D = &S->devices[s1->device_index];
    nvmlReturn_t r = apply_faults(S, __func__, (int)D->index);
    if (r != NVML_SUCCESS) return r;
    nvmlGpmMetric_t *m = metricsGet->metrics;
    for (unsigned int i = 0; i < metricsGet->numMetrics; i++) {
        double v = 0;
        m[i].nvmlReturn = s1->mig ? mig_gpm_value(D, s1->gpu_instance_id, m[i].metricId, s1->time_s, s2->time_s, &v)
                                  : gpm_value(D, m[i].metricId, s1->time_s, s2->time_s, &v);
        m[i].value = m[i].nvmlReturn == NVML_SUCCESS ? v : 0.0;
        const char *name = sim_gpm_metric_name(m[i].metricId);
        const char *unit = sim_gpm_metric_unit(m[i].metricId);
        m[i].metricInfo.shortName = (char *)(uintptr_t)name;
        m[i].metricInfo.longName = (char *)(uintptr_t)name;
        m[i].metricInfo.unit = (char *)(uintptr_t)unit;
    }
    return NVML_SUCCESS;
}

/* ---- events (Xid) ------------------------------------------------------------------------------ */

#define SIM_SUPPORTED_EVENTS \
    (nvmlEventTypeSingleBitEccError | nvmlEventTypeDoubleBitEccError | nvmlEventTypePState | \
     nvmlEventTypeXidCriticalError | nvmlEventTypeClock)

SIM_EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) {
    ENTER_SYS();
    if (!set) return NVML_ERROR_INVALID_ARGUMENT;
    struct nvmlEventSet_st *e = calloc(1, sizeof *e);
    if (!e) return NVML_ERROR_MEMORY;
    size_t n = S->ndevices ? S->ndevices : 1;
    e->registered = calloc(n, sizeof *e->registered);
    e->delivered = calloc(n, sizeof *e->delivered);
    if (!e->registered || !e->delivered) {
        free(e->registered);
        free(e->delivered);
        free(e);
        return NVML_ERROR_MEMORY;
    }
    pthread_mutex_init(&e->lock, NULL);
    e->scenario_id = S->id;
    e->ndevices = S->ndevices;
    e->magic = MAGIC_EVENT_SET;
    *set = e;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetSupportedEventTypes(nvmlDevice_t device, unsigned long long *eventTypes) {
    ENTER_DEV(device);
    if (!eventTypes) return NVML_ERROR_INVALID_ARGUMENT;
    *eventTypes = SIM_SUPPORTED_EVENTS;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t device, unsigned long long eventTypes, nvmlEventSet_t set) {
    ENTER_DEV(device);
    if (!set || set->magic != MAGIC_EVENT_SET || set->scenario_id != S->id) return NVML_ERROR_INVALID_ARGUMENT;
    if (eventTypes & ~(unsigned long long)SIM_SUPPORTED_EVENTS) return NVML_ERROR_NOT_SUPPORTED;
    pthread_mutex_lock(&set->lock);
    set->registered[D->index] |= eventTypes;
    pthread_mutex_unlock(&set->lock);
    return NVML_SUCCESS;
}

/* Delivers, in time order, each Xid event of a registered device whose time has come, once per
 * event set; waits (in real time, without holding a lock while sleeping) up to timeoutms. */
/* A device's Xid events in time order: its xid lines, or its xid_storm's arithmetic sequence. */
static unsigned long long xid_count(const sim_device *d) {
    return d->xid_storm_count > 0 ? d->xid_storm_count : d->nxid;
}

static sim_xid xid_at(const sim_device *d, unsigned long long k) {
    if (d->xid_storm_count > 0) {
        sim_xid x = {d->xid_storm_from_s + (double)k * d->xid_storm_every_s, d->xid_storm_xid};
        return x;
    }
    return d->xids[k];
}

SIM_EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
    ENTER_SYS();
    if (!set || set->magic != MAGIC_EVENT_SET || !data) return NVML_ERROR_INVALID_ARGUMENT;
    if (set->scenario_id != S->id) return NVML_ERROR_UNINITIALIZED;
    double deadline = mono_now_s() + timeoutms / 1000.0;
    for (;;) {
        if (current() != S) return NVML_ERROR_UNINITIALIZED;
        double t = sim_now(S);
        pthread_mutex_lock(&set->lock);
        int best = -1;
        double best_t = INFINITY;
        double next_t = INFINITY; /* the earliest event not yet due */
        for (unsigned int i = 0; i < S->ndevices; i++) {
            const sim_device *d = &S->devices[i];
            if (!(set->registered[i] & nvmlEventTypeXidCriticalError) || set->delivered[i] >= xid_count(d)) continue;
            double et = xid_at(d, set->delivered[i]).time_s;
            if (et <= t && et < best_t) {
                best = (int)i;
                best_t = et;
            } else if (et > t && et < next_t) {
                next_t = et;
            }
        }
        if (best >= 0) {
            const sim_device *d = &S->devices[best];
            sim_xid x = xid_at(d, set->delivered[best]++);
            pthread_mutex_unlock(&set->lock);
            data->device = handle_of(d);
            data->eventType = nvmlEventTypeXidCriticalError;
            data->eventData = x.xid;
            data->gpuInstanceId = 0xFFFFFFFFu;
            data->computeInstanceId = 0xFFFFFFFFu;
            return NVML_SUCCESS;
        }
        pthread_mutex_unlock(&set->lock);
        double left = deadline - mono_now_s();
        if (left <= 0) return NVML_ERROR_TIMEOUT;
        /* The real driver blocks in the kernel until an event or the timeout, at no CPU cost. Sleep
         * until the next event is due or the timeout, at most every 1 ms. With the clock running,
         * simulated time is real time and nothing else can make an event due sooner: re-check
         * only every second (a test may freeze the clock meanwhile). A frozen clock may be set
         * running or moved at any time: re-check every 100 ms. Waking ten times a second with the
         * clock running cost the agent's Xid thread about 1 ms of CPU a second, a cost of the
         * simulator that a real driver does not have (docs/BENCHMARKS.md section 2). */
        double nap = next_t - t;
        double most = clock_running(S) ? 1.0 : 0.1;
        if (nap > most) nap = most;
        if (nap < 0.001) nap = 0.001;
        sleep_s(left < nap ? left : nap);
    }
}

SIM_EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
    ENTER_SYS();
    if (!set || set->magic != MAGIC_EVENT_SET) return NVML_ERROR_INVALID_ARGUMENT;
    set->magic = 0;
    pthread_mutex_destroy(&set->lock);
    free(set->registered);
    free(set->delivered);
    free(set);
    return NVML_SUCCESS;
}

/* ---- MIG (read-only) ----------------------------------------------------------------------------
 * MIG devices are declared by the scenario (mig_instance); a MIG device handle answers the
 * identity, memory and process calls and the MIG queries below, as nvml.h documents for MIG device
 * handles. Nothing here creates or destroys instances: flopwatch never changes the MIG layout. */

static nvmlReturn_t mig_name(const sim_scenario *S, const sim_mig *m, char *name, unsigned int length) {
    char buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE + 64];
    const sim_device *parent = &S->devices[m->parent_index];
    /* nvidia-smi -L names a MIG device by its profile ("MIG 3g.40gb Device 0"); NVML's name of a
     * MIG device handle is the GPU's name followed by "MIG" and the profile. A compute instance
     * smaller than its GPU instance is "<c>c.<profile>". */
    if (m->compute_slices < m->gpu_slices)
        snprintf(buf, sizeof buf, "%s MIG %uc.%s", parent->name, m->compute_slices, m->profile);
    else
        snprintf(buf, sizeof buf, "%s MIG %s", parent->name, m->profile);
    buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE - 1] = '\0'; /* NVML's names fit its name buffer */
    return copy_out(name, length, buf);
}

static nvmlReturn_t mig_memory(const sim_scenario *S, const sim_mig *m, unsigned long long *total,
                               unsigned long long *used) {
    unsigned long long u = sim_fn_present(&m->memory_used) ? to_u64(sim_fn_eval(&m->memory_used, sim_now(S))) : 0;
    *total = m->memory_total;
    *used = u > m->memory_total ? m->memory_total : u;
    return NVML_SUCCESS;
}

static nvmlReturn_t mig_memory_v1(const sim_scenario *S, const sim_mig *m, nvmlMemory_t *memory) {
    if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
    unsigned long long total, used;
    mig_memory(S, m, &total, &used);
    memory->total = total;
    memory->used = used;
    memory->free = total - used;
    return NVML_SUCCESS;
}

static nvmlReturn_t mig_memory_v2(const sim_scenario *S, const sim_mig *m, nvmlMemory_v2_t *memory) {
    if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
    if (memory->version != nvmlMemory_v2) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    unsigned long long total, used;
    mig_memory(S, m, &total, &used);
    memory->total = total;
    memory->reserved = 0;
    memory->used = used;
    memory->free = total - used;
    return NVML_SUCCESS;
}

/* The processes of one MIG device: those of its parent with its GPU and compute instance ids. */
static nvmlReturn_t mig_processes(const sim_scenario *S, const sim_mig *m, unsigned int *infoCount,
                                  nvmlProcessInfo_t *infos) {
    if (!infoCount) return NVML_ERROR_INVALID_ARGUMENT;
    const sim_device *d = &S->devices[m->parent_index];
    unsigned int n = 0;
    for (unsigned int i = 0; i < d->nprocs; i++)
        n += d->procs[i].gpu_instance_id == m->gpu_instance_id && d->procs[i].compute_instance_id == m->compute_instance_id;
    if (*infoCount < n) {
        *infoCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    if (n && !infos) return NVML_ERROR_INVALID_ARGUMENT;
    unsigned int k = 0;
    for (unsigned int i = 0; i < d->nprocs; i++) {
        const sim_process *p = &d->procs[i];
        if (p->gpu_instance_id != m->gpu_instance_id || p->compute_instance_id != m->compute_instance_id) continue;
        infos[k].pid = p->pid;
        infos[k].usedGpuMemory = p->used_bytes;
        infos[k].gpuInstanceId = p->gpu_instance_id;
        infos[k].computeInstanceId = p->compute_instance_id;
        k++;
    }
    *infoCount = n;
    return NVML_SUCCESS;
}

/* nvml.h: with a MIG device handle nvmlDeviceGetIndex "returns indices that can be passed to
 * nvmlDeviceGetMigDeviceHandleByIndex". */
static nvmlReturn_t mig_index(const sim_scenario *S, const sim_mig *m, unsigned int *index) {
    if (!index) return NVML_ERROR_INVALID_ARGUMENT;
    *index = (unsigned int)(m - S->devices[m->parent_index].migs);
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count) {
    MIG_FORWARD(device, NVML_ERROR_INVALID_ARGUMENT);
    ENTER_DEV(device);
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    /* nvml.h: "Returns zero if MIG is not supported or enabled." A100 / H100: 7 compute slices. */
    *count = mig_enabled(D) ? SIM_MAX_MIG : 0;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index,
                                                            nvmlDevice_t *migDevice) {
    MIG_FORWARD(device, NVML_ERROR_INVALID_ARGUMENT);
    ENTER_DEV(device);
    if (!migDevice) return NVML_ERROR_INVALID_ARGUMENT;
    if (!mig_enabled(D)) return NVML_ERROR_NOT_SUPPORTED;
    if (index >= SIM_MAX_MIG) return NVML_ERROR_INVALID_ARGUMENT;
    if (index >= D->nmig) return NVML_ERROR_NOT_FOUND;
    *migDevice = mig_handle_of(&D->migs[index]);
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *isMigDevice) {
    MIG_FORWARD(device, isMigDevice ? (*isMigDevice = 1, NVML_SUCCESS) : NVML_ERROR_INVALID_ARGUMENT);
    ENTER_DEV(device);
    if (!isMigDevice) return NVML_ERROR_INVALID_ARGUMENT;
    *isMigDevice = 0;
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned int *id) {
    MIG_FORWARD(device, id ? (*id = M_->gpu_instance_id, NVML_SUCCESS) : NVML_ERROR_INVALID_ARGUMENT);
    ENTER_DEV(device);
    (void)D;
    return NVML_ERROR_INVALID_ARGUMENT; /* not a MIG device handle */
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, unsigned int *id) {
    MIG_FORWARD(device, id ? (*id = M_->compute_instance_id, NVML_SUCCESS) : NVML_ERROR_INVALID_ARGUMENT);
    ENTER_DEV(device);
    (void)D;
    return NVML_ERROR_INVALID_ARGUMENT;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t migDevice, nvmlDevice_t *device) {
    MIG_FORWARD(migDevice, device ? (*device = handle_of(&S_->devices[M_->parent_index]), NVML_SUCCESS)
                                  : NVML_ERROR_INVALID_ARGUMENT);
    ENTER_DEV(migDevice);
    (void)D;
    return NVML_ERROR_INVALID_ARGUMENT;
}

static nvmlReturn_t mig_attributes(const sim_scenario *S, const sim_mig *m, nvmlDeviceAttributes_t *a) {
    if (!a) return NVML_ERROR_INVALID_ARGUMENT;
    const sim_device *d = &S->devices[m->parent_index];
    memset(a, 0, sizeof *a);
    /* Without sm_count: the parent's SMs split evenly over its 7 compute slices. */
    a->multiprocessorCount = m->sm_count ? m->sm_count
                                         : (d->has_sm_count ? d->sm_count * m->compute_slices / SIM_MAX_MIG : 0);
    a->gpuInstanceSliceCount = m->gpu_slices;
    a->computeInstanceSliceCount = m->compute_slices;
    a->memorySizeMB = m->memory_total / (1024ULL * 1024ULL);
    return NVML_SUCCESS;
}

SIM_EXPORT nvmlReturn_t nvmlDeviceGetAttributes_v2(nvmlDevice_t device, nvmlDeviceAttributes_t *attributes) {
    MIG_FORWARD(device, mig_attributes(S_, M_, attributes));
    ENTER_DEV(device);
    (void)D;
    (void)attributes;
    return NVML_ERROR_NOT_SUPPORTED; /* nvml.h: "This API currently only supports MIG device handles." */
}
