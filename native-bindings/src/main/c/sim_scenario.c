/*
 * Scenario files of the simulated NVML library: parsing, and the value functions of time.
 * The format is documented in docs/simulator.md; keep the two in step.
 */
#include "sim_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- value functions --------------------------------------------------------------------- */

static double positive_mod(double x, double p) {
    double r = fmod(x, p);
    return r < 0 ? r + p : r;
}

double sim_fn_eval(const sim_fn *f, double t) {
    const double *a = f->a;
    switch (f->kind) {
    case FN_CONST:
        return a[0];
    case FN_SINE: /* mean, amplitude, period, phase (s) */
        return a[0] + a[1] * sin(2.0 * M_PI * (t + a[3]) / a[2]);
    case FN_RAMP: /* from, to, period: a sawtooth that restarts every period */
        return a[0] + (a[1] - a[0]) * positive_mod(t, a[2]) / a[2];
    case FN_LINEAR: /* from, to, duration: then holds `to` */
        if (t <= 0) return a[0];
        if (t >= a[2]) return a[1];
        return a[0] + (a[1] - a[0]) * t / a[2];
    case FN_SQUARE: { /* low, high, period, duty, phase: high during the first duty*period */
        double r = positive_mod(t + a[4], a[2]);
        return r < a[3] * a[2] ? a[1] : a[0];
    }
    case FN_STEPS: { /* v0, t1, v1, t2, v2, ... */
        double v = a[0];
        for (int i = 1; i + 1 < f->nargs; i += 2) {
            if (t >= a[i]) v = a[i + 1];
            else break;
        }
        return v;
    }
    case FN_NONE:
    default:
        return 0.0;
    }
}

/* Integral over [0, t] (t >= 0) of the unshifted square wave low/high/period/duty. */
static double square_integral(const double *a, double t) {
    double high_s = a[3] * a[2];
    double cycles = floor(t / a[2]);
    double r = t - cycles * a[2];
    double per_cycle = a[1] * high_s + a[0] * (a[2] - high_s);
    double part = r < high_s ? a[1] * r : a[1] * high_s + a[0] * (r - high_s);
    return cycles * per_cycle + part;
}

double sim_fn_integral(const sim_fn *f, double t) {
    const double *a = f->a;
    if (t <= 0) return 0.0;
    switch (f->kind) {
    case FN_CONST:
        return a[0] * t;
    case FN_SINE: {
        double w = 2.0 * M_PI / a[2];
        return a[0] * t + a[1] / w * (cos(w * a[3]) - cos(w * (t + a[3])));
    }
    case FN_RAMP: {
        double cycles = floor(t / a[2]);
        double r = t - cycles * a[2];
        return cycles * a[2] * (a[0] + a[1]) / 2.0 + a[0] * r + (a[1] - a[0]) * r * r / (2.0 * a[2]);
    }
    case FN_LINEAR:
        if (t <= a[2]) return a[0] * t + (a[1] - a[0]) * t * t / (2.0 * a[2]);
        return a[2] * (a[0] + a[1]) / 2.0 + a[1] * (t - a[2]);
    case FN_SQUARE: /* shifted by the phase: the unshifted integral over [phase, t + phase] */
        return square_integral(a, t + a[4]) - square_integral(a, a[4]);
    case FN_STEPS: {
        double sum = 0.0, from = 0.0, v = a[0];
        for (int i = 1; i + 1 < f->nargs; i += 2) {
            double edge = a[i];
            if (edge >= t) break;
            if (edge > from) {
                sum += v * (edge - from);
                from = edge;
            }
            v = a[i + 1];
        }
        return sum + v * (t - from);
    }
    case FN_NONE:
    default:
        return 0.0;
    }
}

double sim_fn_mean(const sim_fn *f, double t1, double t2) {
    if (t2 < t1) {
        double x = t1;
        t1 = t2;
        t2 = x;
    }
    if (t2 - t1 < 1e-9) return sim_fn_eval(f, t1);
    if (f->kind == FN_CONST) return f->a[0];
    return (sim_fn_integral(f, t2) - sim_fn_integral(f, t1)) / (t2 - t1);
}

/* ---- GPM metric names (ids from nvmlGpmMetricId_t) ----------------------------------------- */

typedef struct {
    unsigned int id;
    const char *name;
    const char *unit;
} gpm_name;

static const gpm_name GPM_NAMES[] = {
    {1, "graphics_util", "%"},       {2, "sm_util", "%"},           {3, "sm_occupancy", "%"},
    {4, "integer_util", "%"},        {5, "any_tensor_util", "%"},   {6, "dfma_tensor_util", "%"},
    {7, "hmma_tensor_util", "%"},    {9, "imma_tensor_util", "%"},  {10, "dram_bw_util", "%"},
    {11, "fp64_util", "%"},          {12, "fp32_util", "%"},        {13, "fp16_util", "%"},
    {20, "pcie_tx_per_sec", "MiB/s"}, {21, "pcie_rx_per_sec", "MiB/s"},
    {30, "nvdec_0_util", "%"},       {31, "nvdec_1_util", "%"},     {32, "nvdec_2_util", "%"},
    {33, "nvdec_3_util", "%"},       {34, "nvdec_4_util", "%"},     {35, "nvdec_5_util", "%"},
    {36, "nvdec_6_util", "%"},       {37, "nvdec_7_util", "%"},     {40, "nvjpg_0_util", "%"},
    {41, "nvjpg_1_util", "%"},       {42, "nvjpg_2_util", "%"},     {43, "nvjpg_3_util", "%"},
    {44, "nvjpg_4_util", "%"},       {45, "nvjpg_5_util", "%"},     {46, "nvjpg_6_util", "%"},
    {47, "nvjpg_7_util", "%"},       {50, "nvofa_0_util", "%"},
    {60, "nvlink_total_rx_per_sec", "MiB/s"}, {61, "nvlink_total_tx_per_sec", "MiB/s"},
};

static char LINK_NAMES[36][32];
static int link_names_ready;

static void init_link_names(void) {
    /* ids 62..97: nvlink_l<k>_rx_per_sec (even) and nvlink_l<k>_tx_per_sec (odd), k = 0..17 */
    if (__atomic_load_n(&link_names_ready, __ATOMIC_ACQUIRE)) return;
    for (int i = 0; i < 36; i++)
        snprintf(LINK_NAMES[i], sizeof LINK_NAMES[i], "nvlink_l%d_%s_per_sec", i / 2, i % 2 ? "tx" : "rx");
    __atomic_store_n(&link_names_ready, 1, __ATOMIC_RELEASE);
}

const char *sim_gpm_metric_name(unsigned int id) {
    for (size_t i = 0; i < sizeof GPM_NAMES / sizeof GPM_NAMES[0]; i++)
        if (GPM_NAMES[i].id == id) return GPM_NAMES[i].name;
    if (id >= 62 && id <= 97) {
        init_link_names();
        return LINK_NAMES[id - 62];
    }
    return NULL;
}

const char *sim_gpm_metric_unit(unsigned int id) {
    for (size_t i = 0; i < sizeof GPM_NAMES / sizeof GPM_NAMES[0]; i++)
        if (GPM_NAMES[i].id == id) return GPM_NAMES[i].unit;
    if (id >= 62 && id <= 97) return "MiB/s";
    return NULL;
}

bool sim_gpm_metric_known(unsigned int id) { return sim_gpm_metric_name(id) != NULL; }

/* ---- parsing ------------------------------------------------------------------------------- */

#define MAX_TOKENS 80

typedef struct {
    const char *path;
    int line;
    char *err;
    size_t errlen;
} parse_ctx;

static bool fail(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(parse_ctx *c, const char *fmt, ...) {
    int n = snprintf(c->err, c->errlen, "%s:%d: ", c->path, c->line);
    if (n < 0 || (size_t)n >= c->errlen) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* Splits a line into whitespace-separated tokens in place; text inside parentheses stays in
 * one token (so "sine(50, 10, 60)" is one token). Returns -1 on unbalanced parentheses. */
static int tokenize(char *s, char **tok, int max) {
    int n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) break;
        if (n == max) return -2;
        tok[n++] = s;
        int depth = 0;
        char *w = s;
        while (*s && (depth > 0 || !isspace((unsigned char)*s))) {
            if (*s == '(') depth++;
            if (*s == ')') {
                if (--depth < 0) return -1;
            }
            if (!(depth > 0 && isspace((unsigned char)*s))) *w++ = *s;
            s++;
        }
        if (depth != 0) return -1;
        if (*s) s++;
        *w = '\0';
    }
    return n;
}

static bool parse_double(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v)) return false;
    *out = v;
    return true;
}

/* Unsigned integer, decimal or 0x hex, with an optional binary suffix KiB/MiB/GiB/TiB. */
static bool parse_u64(const char *s, unsigned long long *out) {
    if (*s == '-' || *s == '+') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || errno) return false;
    unsigned long long mul = 1;
    if (*end) {
        if (!strcmp(end, "KiB")) mul = 1ULL << 10;
        else if (!strcmp(end, "MiB")) mul = 1ULL << 20;
        else if (!strcmp(end, "GiB")) mul = 1ULL << 30;
        else if (!strcmp(end, "TiB")) mul = 1ULL << 40;
        else return false;
    }
    if (mul > 1 && v > ~0ULL / mul) return false;
    *out = v * mul;
    return true;
}

static bool parse_u32(const char *s, unsigned int *out) {
    unsigned long long v;
    if (!parse_u64(s, &v) || v > 0xFFFFFFFFULL) return false;
    *out = (unsigned int)v;
    return true;
}

static bool parse_fn(parse_ctx *c, const char *s, sim_fn *f) {
    memset(f, 0, sizeof *f);
    double v;
    if (parse_double(s, &v)) {
        f->kind = FN_CONST;
        f->nargs = 1;
        f->a[0] = v;
        return true;
    }
    unsigned long long bytes;
    if (parse_u64(s, &bytes)) { /* e.g. 40GiB */
        f->kind = FN_CONST;
        f->nargs = 1;
        f->a[0] = (double)bytes;
        return true;
    }
    const char *open = strchr(s, '(');
    size_t len = strlen(s);
    if (!open || len < 3 || s[len - 1] != ')')
        return fail(c, "'%s' is not a number or a function such as sine(mean,amplitude,period)", s);
    size_t namelen = (size_t)(open - s);
    struct {
        const char *name;
        sim_fn_kind kind;
        int min, max;
        const char *usage;
    } kinds[] = {
        {"const", FN_CONST, 1, 1, "const(value)"},
        {"sine", FN_SINE, 3, 4, "sine(mean,amplitude,period_s[,phase_s])"},
        {"ramp", FN_RAMP, 3, 3, "ramp(from,to,period_s)"},
        {"linear", FN_LINEAR, 3, 3, "linear(from,to,duration_s)"},
        {"square", FN_SQUARE, 3, 5, "square(low,high,period_s[,duty[,phase_s]])"},
        {"steps", FN_STEPS, 1, SIM_FN_MAX_ARGS, "steps(v0,t1,v1,t2,v2,...)"},
    };
    int k = -1;
    for (int i = 0; i < (int)(sizeof kinds / sizeof kinds[0]); i++)
        if (strlen(kinds[i].name) == namelen && !strncmp(kinds[i].name, s, namelen)) k = i;
    if (k < 0) return fail(c, "unknown function '%.*s' (const, sine, ramp, linear, square, steps)", (int)namelen, s);
    char args[512];
    size_t alen = len - namelen - 2;
    if (alen >= sizeof args) return fail(c, "function arguments too long");
    memcpy(args, open + 1, alen);
    args[alen] = '\0';
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(args, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (n == SIM_FN_MAX_ARGS) return fail(c, "too many arguments in %s", kinds[k].usage);
        unsigned long long b;
        if (parse_u64(p, &b)) f->a[n] = (double)b; /* byte suffixes allowed: linear(2GiB, 74GiB, 60) */
        else if (!parse_double(p, &f->a[n]))
            return fail(c, "argument %d of %s is not a number: '%s'", n + 1, kinds[k].usage, p);
        n++;
    }
    if (n < kinds[k].min || n > kinds[k].max) return fail(c, "wrong number of arguments, expected %s", kinds[k].usage);
    f->kind = kinds[k].kind;
    f->nargs = n;
    switch (f->kind) {
    case FN_SINE:
    case FN_RAMP:
    case FN_SQUARE:
        if (!(f->a[2] > 0)) return fail(c, "the period of %s must be > 0", kinds[k].usage);
        if (f->kind == FN_SQUARE) {
            if (n == 3) f->a[3] = 0.5;
            if (f->a[3] < 0 || f->a[3] > 1) return fail(c, "the duty of square() must be within 0..1");
            if (f->a[4] < 0) return fail(c, "the phase of square() must be >= 0 (add a period)");
        }
        break;
    case FN_LINEAR:
        if (!(f->a[2] > 0)) return fail(c, "the duration of linear() must be > 0");
        break;
    case FN_STEPS:
        if (n % 2 == 0) return fail(c, "steps() takes v0 then pairs of (time, value)");
        for (int i = 3; i < n; i += 2)
            if (!(f->a[i] > f->a[i - 2])) return fail(c, "steps() times must increase");
        break;
    default:
        break;
    }
    return true;
}

static const struct {
    const char *name;
    nvmlReturn_t code;
} RETURN_NAMES[] = {
    {"SUCCESS", NVML_SUCCESS},
    {"UNINITIALIZED", NVML_ERROR_UNINITIALIZED},
    {"INVALID_ARGUMENT", NVML_ERROR_INVALID_ARGUMENT},
    {"NOT_SUPPORTED", NVML_ERROR_NOT_SUPPORTED},
    {"NO_PERMISSION", NVML_ERROR_NO_PERMISSION},
    {"ALREADY_INITIALIZED", NVML_ERROR_ALREADY_INITIALIZED},
    {"NOT_FOUND", NVML_ERROR_NOT_FOUND},
    {"INSUFFICIENT_SIZE", NVML_ERROR_INSUFFICIENT_SIZE},
    {"INSUFFICIENT_POWER", NVML_ERROR_INSUFFICIENT_POWER},
    {"DRIVER_NOT_LOADED", NVML_ERROR_DRIVER_NOT_LOADED},
    {"TIMEOUT", NVML_ERROR_TIMEOUT},
    {"IRQ_ISSUE", NVML_ERROR_IRQ_ISSUE},
    {"LIBRARY_NOT_FOUND", NVML_ERROR_LIBRARY_NOT_FOUND},
    {"FUNCTION_NOT_FOUND", NVML_ERROR_FUNCTION_NOT_FOUND},
    {"CORRUPTED_INFOROM", NVML_ERROR_CORRUPTED_INFOROM},
    {"GPU_IS_LOST", NVML_ERROR_GPU_IS_LOST},
    {"RESET_REQUIRED", NVML_ERROR_RESET_REQUIRED},
    {"OPERATING_SYSTEM", NVML_ERROR_OPERATING_SYSTEM},
    {"LIB_RM_VERSION_MISMATCH", NVML_ERROR_LIB_RM_VERSION_MISMATCH},
    {"IN_USE", NVML_ERROR_IN_USE},
    {"MEMORY", NVML_ERROR_MEMORY},
    {"NO_DATA", NVML_ERROR_NO_DATA},
    {"VGPU_ECC_NOT_SUPPORTED", NVML_ERROR_VGPU_ECC_NOT_SUPPORTED},
    {"INSUFFICIENT_RESOURCES", NVML_ERROR_INSUFFICIENT_RESOURCES},
    {"FREQ_NOT_SUPPORTED", NVML_ERROR_FREQ_NOT_SUPPORTED},
    {"ARGUMENT_VERSION_MISMATCH", NVML_ERROR_ARGUMENT_VERSION_MISMATCH},
    {"UNKNOWN", NVML_ERROR_UNKNOWN},
};

static bool parse_return(const char *s, nvmlReturn_t *out) {
    const char *name = s;
    if (!strncasecmp(name, "NVML_ERROR_", 11)) name += 11;
    for (size_t i = 0; i < sizeof RETURN_NAMES / sizeof RETURN_NAMES[0]; i++)
        if (!strcasecmp(RETURN_NAMES[i].name, name)) {
            *out = RETURN_NAMES[i].code;
            return true;
        }
    unsigned int v;
    if (!parse_u32(s, &v)) return false;
    *out = (nvmlReturn_t)v;
    return true;
}

static bool parse_clock_type(const char *s, unsigned int *out) {
    static const char *names[] = {"graphics", "sm", "mem", "video"};
    for (unsigned int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return true;
        }
    return false;
}

static bool parse_arch(const char *s, unsigned int *out) {
    static const struct {
        const char *name;
        unsigned int v;
    } arches[] = {{"kepler", 2}, {"maxwell", 3}, {"pascal", 4}, {"volta", 5},       {"turing", 6},
                  {"ampere", 7}, {"ada", 8},     {"hopper", 9}, {"blackwell", 10}, {"unknown", 0xffffffffU}};
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
        if (!strcasecmp(s, arches[i].name)) {
            *out = arches[i].v;
            return true;
        }
    return parse_u32(s, out);
}

/* "key=value" → value if the token's key matches, else NULL. */
static const char *kv(const char *tok, const char *key) {
    size_t n = strlen(key);
    return !strncmp(tok, key, n) && tok[n] == '=' ? tok + n + 1 : NULL;
}

static bool parse_pci_bus_id(const char *s, unsigned int *domain, unsigned int *bus, unsigned int *dev) {
    unsigned int d = 0, b, v, f;
    char tail;
    if (sscanf(s, "%x:%x:%x.%x%c", &d, &b, &v, &f, &tail) == 4) {
    } else if (sscanf(s, "%x:%x.%x%c", &b, &v, &f, &tail) == 3) {
        d = 0;
    } else {
        return false;
    }
    if (b > 0xff || v > 0x1f || f > 7) return false;
    *domain = d;
    *bus = b;
    *dev = v;
    return true;
}

static bool copy_string(parse_ctx *c, char *dst, size_t cap, const char *src, const char *what) {
    if (strlen(src) + 1 > cap) return fail(c, "%s longer than NVML's %zu-byte buffer", what, cap - 1);
    strcpy(dst, src);
    return true;
}

static bool need_args(parse_ctx *c, int ntok, int min, int max, const char *usage) {
    if (ntok - 1 < min || ntok - 1 > max) return fail(c, "usage: %s", usage);
    return true;
}

#define NEED(min, max, usage) \
    do { \
        if (!need_args(c, ntok, (min), (max), (usage))) return false; \
    } while (0)
#define FN_KEY(key, field) \
    if (!strcmp(k, key)) { \
        NEED(1, 1, key " <value or function>"); \
        return parse_fn(c, tok[1], &d->field); \
    }

/* ---- MIG directives ------------------------------------------------------------------------ */

/* "<g>g.<m>gb" with an optional "+<suffix>" ("1g.10gb+me"); g is the GPU instance's slice count,
 * one of 1, 2, 3, 4, 7 on A100 / H100 (NVIDIA MIG user guide, "Supported MIG Profiles"). */
static bool parse_mig_profile(const char *s, unsigned int *slices) {
    unsigned int g = 0, m = 0;
    int n = 0;
    if (sscanf(s, "%ug.%ugb%n", &g, &m, &n) != 2 || n <= 0) return false;
    if (s[n] != '\0' && s[n] != '+') return false;
    if (g != 1 && g != 2 && g != 3 && g != 4 && g != 7) return false;
    *slices = g;
    return m > 0;
}

static bool parse_gpm_id(const char *s, unsigned int *id) {
    for (unsigned int i = 1; i < 98; i++) {
        const char *n = sim_gpm_metric_name(i);
        if (n && !strcmp(n, s)) {
            *id = i;
            return true;
        }
    }
    return parse_u32(s, id) && *id > 0 && *id < SIM_GPM_METRICS_ARRAY_MAX;
}

/* 1: parsed, 0: failed (c holds the message), -1: not a MIG directive. */
static int parse_mig_line(parse_ctx *c, sim_device *d, char **tok, int ntok) {
    const char *k = tok[0];
    if (!strcmp(k, "mig_instance")) {
        const char *usage = "usage: mig_instance <gpu_instance_id> <compute_instance_id> <profile e.g. 3g.40gb> "
                            "uuid=MIG-… memory_total_bytes=<n> [memory_used_bytes=<fn>] [compute_slices=<n>] "
                            "[sm_count=<n>]";
        if (ntok < 6) return fail(c, "%s", usage);
        if (d->nmig == SIM_MAX_MIG) return fail(c, "at most %d MIG devices per GPU", SIM_MAX_MIG);
        sim_mig *m = &d->migs[d->nmig];
        memset(m, 0, sizeof *m);
        m->decl_line = c->line;
        m->parent_index = d->index;
        if (!parse_u32(tok[1], &m->gpu_instance_id)) return fail(c, "bad gpu instance id '%s'", tok[1]);
        if (!parse_u32(tok[2], &m->compute_instance_id)) return fail(c, "bad compute instance id '%s'", tok[2]);
        if (!parse_mig_profile(tok[3], &m->gpu_slices))
            return fail(c, "bad MIG profile '%s' (expected <1|2|3|4|7>g.<memory>gb, e.g. 3g.40gb)", tok[3]);
        if (!copy_string(c, m->profile, sizeof m->profile, tok[3], "profile")) return 0;
        m->compute_slices = m->gpu_slices;
        bool has_memory = false;
        for (int i = 4; i < ntok; i++) {
            const char *v;
            if ((v = kv(tok[i], "uuid"))) {
                if (strncmp(v, "MIG-", 4) || strlen(v) < 5) return fail(c, "a MIG device uuid starts with MIG-: '%s'", v);
                if (!copy_string(c, m->uuid, sizeof m->uuid, v, "uuid")) return 0;
            } else if ((v = kv(tok[i], "memory_total_bytes"))) {
                if (!parse_u64(v, &m->memory_total) || m->memory_total == 0) return fail(c, "bad memory_total_bytes '%s'", v);
                has_memory = true;
            } else if ((v = kv(tok[i], "memory_used_bytes"))) {
                if (!parse_fn(c, v, &m->memory_used)) return 0;
            } else if ((v = kv(tok[i], "compute_slices"))) {
                if (!parse_u32(v, &m->compute_slices) || m->compute_slices == 0 || m->compute_slices > m->gpu_slices)
                    return fail(c, "compute_slices must be 1..%u for profile %s: '%s'", m->gpu_slices, m->profile, v);
            } else if ((v = kv(tok[i], "sm_count"))) {
                if (!parse_u32(v, &m->sm_count) || m->sm_count == 0) return fail(c, "bad sm_count '%s'", v);
            } else {
                return fail(c, "mig_instance: unknown attribute '%s'", tok[i]);
            }
        }
        if (!m->uuid[0] || !has_memory) return fail(c, "%s", usage);
        for (unsigned int i = 0; i < d->nmig; i++) {
            const sim_mig *o = &d->migs[i];
            if (o->gpu_instance_id == m->gpu_instance_id && o->compute_instance_id == m->compute_instance_id)
                return fail(c, "MIG device %u/%u declared twice", m->gpu_instance_id, m->compute_instance_id);
            if (o->gpu_instance_id == m->gpu_instance_id && strcmp(o->profile, m->profile))
                return fail(c, "GPU instance %u has profile %s (line %d), not %s", o->gpu_instance_id, o->profile,
                            o->decl_line, m->profile);
            if (!strcmp(o->uuid, m->uuid)) return fail(c, "MIG uuid %s given twice", m->uuid);
        }
        d->nmig++;
        return 1;
    }
    if (!strcmp(k, "mig_gpm_metric")) {
        const char *usage = "usage: mig_gpm_metric <gpu_instance_id> <id or name> <value or function>";
        if (ntok != 4) return fail(c, "%s", usage);
        unsigned int gi, id;
        if (!parse_u32(tok[1], &gi)) return fail(c, "%s", usage);
        if (!parse_gpm_id(tok[2], &id))
            return fail(c, "unknown GPM metric '%s' (a name such as sm_util, or an nvmlGpmMetricId_t number)", tok[2]);
        /* GPM samples a GPU instance: the metrics go to its first declared compute instance. */
        sim_mig *m = NULL;
        for (unsigned int i = 0; i < d->nmig && !m; i++)
            if (d->migs[i].gpu_instance_id == gi) m = &d->migs[i];
        if (!m) return fail(c, "mig_gpm_metric: no mig_instance with GPU instance id %u above this line", gi);
        if (m->ngpm == SIM_MAX_MIG_GPM) return fail(c, "at most %d GPM metrics per GPU instance", SIM_MAX_MIG_GPM);
        for (unsigned int i = 0; i < m->ngpm; i++)
            if (m->gpm[i].metric_id == id) return fail(c, "GPM metric %u given twice for GPU instance %u", id, gi);
        m->gpm[m->ngpm].metric_id = id;
        if (!parse_fn(c, tok[3], &m->gpm[m->ngpm].fn)) return 0;
        m->ngpm++;
        return 1;
    }
    return -1;
}

/* Interconnect error rates and PCIe link degradation (docs/simulator.md, "Interconnect errors").
 * Returns -1 when the key is not one of these, else whether the line parsed. */
static int parse_interconnect_line(parse_ctx *c, sim_device *d, char **tok, int ntok) {
    const char *k = tok[0];
    if (!strcmp(k, "pcie_replays_per_s")) {
        if (ntok != 2) return fail(c, "usage: pcie_replays_per_s <value or function>");
        return parse_fn(c, tok[1], &d->pcie_replays_per_s);
    }
    if (!strcmp(k, "nvlink_errors_per_s")) {
        static const char *const kinds[] = {"crc_flit", "crc_data", "replay", "recovery"};
        if (ntok != 3) return fail(c, "usage: nvlink_errors_per_s <crc_flit|crc_data|replay|recovery> <value or function>");
        for (int i = 0; i < 4; i++)
            if (!strcmp(tok[1], kinds[i])) return parse_fn(c, tok[2], &d->nvlink_errors_per_s[i]);
        return fail(c, "nvlink_errors_per_s: unknown counter '%s' (crc_flit, crc_data, replay, recovery)", tok[1]);
    }
    if (!strcmp(k, "pcie_degraded")) {
        const char *usage = "pcie_degraded <gen> <width> [from=<s>] [to=<s>]";
        if (ntok < 3 || ntok > 5) return fail(c, "usage: %s", usage);
        if (!d->has_pcie_link) return fail(c, "pcie_degraded: put pcie_gen and pcie_width first");
        if (!parse_u32(tok[1], &d->pcie_degraded_gen) || !parse_u32(tok[2], &d->pcie_degraded_width) ||
            d->pcie_degraded_gen == 0 || d->pcie_degraded_width == 0)
            return fail(c, "pcie_degraded: expected a generation and a width above 0; %s", usage);
        d->pcie_degraded_from_s = 0;
        d->pcie_degraded_to_s = INFINITY;
        for (int i = 3; i < ntok; i++) {
            if (!strncmp(tok[i], "from=", 5)) {
                if (!parse_double(tok[i] + 5, &d->pcie_degraded_from_s) || d->pcie_degraded_from_s < 0)
                    return fail(c, "pcie_degraded: bad from '%s'", tok[i] + 5);
            } else if (!strncmp(tok[i], "to=", 3)) {
                if (!parse_double(tok[i] + 3, &d->pcie_degraded_to_s))
                    return fail(c, "pcie_degraded: bad to '%s'", tok[i] + 3);
            } else {
                return fail(c, "pcie_degraded: unknown attribute '%s'; %s", tok[i], usage);
            }
        }
        if (!(d->pcie_degraded_to_s > d->pcie_degraded_from_s)) return fail(c, "pcie_degraded: to must be after from");
        d->has_pcie_degraded = true;
        return true;
    }
    return -1;
}

/* MIG devices exist only while MIG mode is on; their GPU instances fit in the GPU's 7 slices and
 * their compute instances in their GPU instance's slices; MIG processes name a declared device. */
static bool finish_mig(parse_ctx *c, sim_device *d) {
    if (d->nmig == 0) {
        for (unsigned int i = 0; i < d->nprocs; i++)
            if (d->procs[i].gpu_instance_id != 0xFFFFFFFFU)
                return fail(c, "device %u: process %u names a GPU instance but the device declares no mig_instance",
                            d->index, d->procs[i].pid);
        return true;
    }
    if (!d->has_mig || d->mig_current != NVML_DEVICE_MIG_ENABLE)
        return fail(c, "device %u declares mig_instance lines but not mig_mode 1 <pending>", d->index);
    unsigned int gi_slices = 0;
    for (unsigned int i = 0; i < d->nmig; i++) {
        const sim_mig *m = &d->migs[i];
        bool first_of_gi = true;
        unsigned int ci_slices = 0;
        for (unsigned int j = 0; j < d->nmig; j++) {
            if (d->migs[j].gpu_instance_id != m->gpu_instance_id) continue;
            if (j < i) first_of_gi = false;
            ci_slices += d->migs[j].compute_slices;
        }
        if (first_of_gi) gi_slices += m->gpu_slices;
        if (ci_slices > m->gpu_slices)
            return fail(c, "device %u: the compute instances of GPU instance %u use %u slices, more than its %u",
                        d->index, m->gpu_instance_id, ci_slices, m->gpu_slices);
    }
    if (gi_slices > SIM_MAX_MIG)
        return fail(c, "device %u: its GPU instances use %u slices, more than the GPU's %d", d->index, gi_slices,
                    SIM_MAX_MIG);
    for (unsigned int i = 0; i < d->nprocs; i++) {
        const sim_process *p = &d->procs[i];
        bool found = false;
        for (unsigned int j = 0; j < d->nmig && !found; j++)
            found = d->migs[j].gpu_instance_id == p->gpu_instance_id &&
                    d->migs[j].compute_instance_id == p->compute_instance_id;
        if (!found)
            return fail(c, "device %u: MIG is on, so process %u needs gpu_instance=/compute_instance= of a declared "
                           "mig_instance", d->index, p->pid);
    }
    return true;
}

static bool parse_device_line(parse_ctx *c, sim_device *d, char **tok, int ntok, const char *rest) {
    const char *k = tok[0];
    int mig = parse_mig_line(c, d, tok, ntok);
    if (mig >= 0) return mig == 1;
    int interconnect = parse_interconnect_line(c, d, tok, ntok);
    if (interconnect >= 0) return interconnect;
    if (!strcmp(k, "name")) {
        if (!rest || !*rest) return fail(c, "usage: name <device name ending in (Simulated)>");
        const char *suffix = "(Simulated)";
        size_t n = strlen(rest), m = strlen(suffix);
        if (n < m || strcmp(rest + n - m, suffix))
            return fail(c, "device names must end in \"%s\" so nothing simulated passes for real: '%s'", suffix, rest);
        return copy_string(c, d->name, NVML_DEVICE_NAME_BUFFER_SIZE, rest, "name");
    }
    if (!strcmp(k, "uuid")) {
        NEED(1, 1, "uuid GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
        return copy_string(c, d->uuid, NVML_DEVICE_UUID_BUFFER_SIZE, tok[1], "uuid");
    }
    if (!strcmp(k, "serial")) {
        NEED(1, 1, "serial <string>");
        d->has_serial = true;
        return copy_string(c, d->serial, NVML_DEVICE_SERIAL_BUFFER_SIZE, tok[1], "serial");
    }
    if (!strcmp(k, "pci_bus_id")) {
        NEED(1, 1, "pci_bus_id <domain:bus:device.function, hex>");
        if (!parse_pci_bus_id(tok[1], &d->pci_domain, &d->pci_bus, &d->pci_device))
            return fail(c, "bad PCI bus id '%s' (expected e.g. 00000000:18:00.0)", tok[1]);
        d->has_pci = true;
        return true;
    }
    if (!strcmp(k, "pci_device_id")) {
        NEED(1, 1, "pci_device_id <0xDDDDVVVV>");
        return parse_u32(tok[1], &d->pci_device_id) || fail(c, "bad PCI device id '%s'", tok[1]);
    }
    if (!strcmp(k, "pci_subsystem_id")) {
        NEED(1, 1, "pci_subsystem_id <0xSSSSVVVV>");
        return parse_u32(tok[1], &d->pci_subsystem_id) || fail(c, "bad PCI subsystem id '%s'", tok[1]);
    }
    if (!strcmp(k, "architecture")) {
        NEED(1, 1, "architecture <kepler|...|ampere|ada|hopper|blackwell|number>");
        d->has_arch = true;
        return parse_arch(tok[1], &d->arch) || fail(c, "unknown architecture '%s'", tok[1]);
    }
    if (!strcmp(k, "compute_capability")) {
        NEED(1, 1, "compute_capability <major>.<minor>");
        char tail;
        if (sscanf(tok[1], "%d.%d%c", &d->cc_major, &d->cc_minor, &tail) != 2 || d->cc_major < 0 || d->cc_minor < 0)
            return fail(c, "bad compute capability '%s' (expected e.g. 9.0)", tok[1]);
        d->has_cc = true;
        return true;
    }
    struct {
        const char *key;
        unsigned int *dst;
        bool *flag;
    } u32s[] = {
        {"sm_count", &d->sm_count, &d->has_sm_count},
        {"gpu_cores", &d->gpu_cores, &d->has_gpu_cores},
        {"minor_number", &d->minor_number, &d->has_minor},
        {"power_limit_mw", &d->power_limit_mw, NULL},
        {"enforced_power_limit_mw", &d->enforced_power_limit_mw, NULL},
    };
    for (size_t i = 0; i < sizeof u32s / sizeof u32s[0]; i++)
        if (!strcmp(k, u32s[i].key)) {
            if (ntok != 2) return fail(c, "usage: %s <unsigned integer>", k);
            if (!parse_u32(tok[1], u32s[i].dst)) return fail(c, "%s: '%s' is not an unsigned 32-bit integer", k, tok[1]);
            if (u32s[i].flag) *u32s[i].flag = true;
            return true;
        }
    if (!strcmp(k, "memory_total_bytes")) {
        NEED(1, 1, "memory_total_bytes <bytes>");
        d->has_memory = true;
        return parse_u64(tok[1], &d->memory_total) || fail(c, "bad byte count '%s'", tok[1]);
    }
    if (!strcmp(k, "memory_reserved_bytes")) {
        NEED(1, 1, "memory_reserved_bytes <bytes>");
        return parse_u64(tok[1], &d->memory_reserved) || fail(c, "bad byte count '%s'", tok[1]);
    }
    FN_KEY("memory_used_bytes", memory_used)
    if (!strcmp(k, "bar1_total_bytes")) {
        NEED(1, 1, "bar1_total_bytes <bytes>");
        d->has_bar1 = true;
        return parse_u64(tok[1], &d->bar1_total) || fail(c, "bad byte count '%s'", tok[1]);
    }
    FN_KEY("bar1_used_bytes", bar1_used)
    FN_KEY("gpu_util_percent", util_gpu)
    FN_KEY("memory_util_percent", util_mem)
    FN_KEY("encoder_util_percent", util_enc)
    FN_KEY("decoder_util_percent", util_dec)
    FN_KEY("pstate", pstate)
    FN_KEY("throttle_reasons", throttle_reasons)
    FN_KEY("power_mw", power_mw)
    FN_KEY("temperature_c", temperature_c)
    FN_KEY("fan_percent", fan_percent)
    FN_KEY("pcie_tx_kbps", pcie_tx_kbps)
    FN_KEY("pcie_rx_kbps", pcie_rx_kbps)
    FN_KEY("nvlink_tx_kibps", nvlink_tx_kibps)
    FN_KEY("nvlink_rx_kibps", nvlink_rx_kibps)
    if (!strcmp(k, "energy_offset_mj")) {
        NEED(1, 1, "energy_offset_mj <millijoules>");
        return (parse_double(tok[1], &d->energy_offset_mj) && d->energy_offset_mj >= 0) ||
               fail(c, "bad energy '%s'", tok[1]);
    }
    if (!strcmp(k, "clock_mhz") || !strcmp(k, "max_clock_mhz") || !strcmp(k, "app_clock_mhz")) {
        if (ntok != 3) return fail(c, "usage: %s <graphics|sm|mem|video> <MHz>", k);
        unsigned int type;
        if (!parse_clock_type(tok[1], &type)) return fail(c, "unknown clock '%s' (graphics, sm, mem, video)", tok[1]);
        if (k[0] == 'c') return parse_fn(c, tok[2], &d->clock[type]);
        unsigned int *dst = k[0] == 'm' ? &d->max_clock[type] : &d->app_clock[type];
        return (parse_u32(tok[2], dst) && *dst > 0) || fail(c, "bad clock '%s'", tok[2]);
    }
    if (!strcmp(k, "pcie_gen") || !strcmp(k, "pcie_width")) {
        if (ntok != 3) return fail(c, "usage: %s <current> <max>", k);
        bool gen = k[5] == 'g';
        unsigned int *cur = gen ? &d->pcie_gen_cur : &d->pcie_width_cur;
        unsigned int *max = gen ? &d->pcie_gen_max : &d->pcie_width_max;
        if (!parse_u32(tok[1], cur) || !parse_u32(tok[2], max) || *cur > *max)
            return fail(c, "%s: expected <current> <max> with current <= max", k);
        d->has_pcie_link = true;
        return true;
    }
    if (!strcmp(k, "nvlink_links")) {
        NEED(1, 1, "nvlink_links <count>");
        if (!parse_u32(tok[1], &d->nvlink_links) || d->nvlink_links > SIM_MAX_NVLINKS)
            return fail(c, "nvlink_links must be 0..%d", SIM_MAX_NVLINKS);
        return true;
    }
    if (!strcmp(k, "nvlink_down")) {
        NEED(1, SIM_MAX_NVLINKS, "nvlink_down <link> [<link> ...]");
        for (int i = 1; i < ntok; i++) {
            unsigned int l;
            if (!parse_u32(tok[i], &l) || l >= d->nvlink_links)
                return fail(c, "nvlink_down: '%s' is not a link below nvlink_links (%u); put nvlink_links first", tok[i], d->nvlink_links);
            d->nvlink_down[l] = true;
        }
        return true;
    }
    if (!strcmp(k, "ecc")) {
        if (ntok != 4) return fail(c, "usage: ecc <corrected|uncorrected> <volatile|aggregate> <count>");
        int type = !strcmp(tok[1], "corrected") ? 0 : !strcmp(tok[1], "uncorrected") ? 1 : -1;
        int counter = !strcmp(tok[2], "volatile") ? 0 : !strcmp(tok[2], "aggregate") ? 1 : -1;
        if (type < 0 || counter < 0) return fail(c, "usage: ecc <corrected|uncorrected> <volatile|aggregate> <count>");
        d->has_ecc = true;
        return parse_u64(tok[3], &d->ecc[type][counter]) || fail(c, "bad ECC count '%s'", tok[3]);
    }
    if (!strcmp(k, "retired_pages")) {
        if (ntok < 2) return fail(c, "usage: retired_pages <sbe|dbe> [address ...]");
        int cause = !strcmp(tok[1], "sbe") ? 0 : !strcmp(tok[1], "dbe") ? 1 : -1;
        if (cause < 0) return fail(c, "retired_pages: cause must be sbe (multiple single-bit) or dbe (double-bit)");
        d->has_retired_pages = true;
        for (int i = 2; i < ntok; i++) {
            if (d->retired_count[cause] == SIM_MAX_RETIRED) return fail(c, "at most %d retired pages per cause", SIM_MAX_RETIRED);
            if (!parse_u64(tok[i], &d->retired[cause][d->retired_count[cause]]))
                return fail(c, "bad page address '%s'", tok[i]);
            d->retired_count[cause]++;
        }
        return true;
    }
    if (!strcmp(k, "remapped_rows")) {
        if (ntok != 5) return fail(c, "usage: remapped_rows <correctable> <uncorrectable> <pending 0|1> <failure 0|1>");
        d->has_remapped_rows = true;
        return (parse_u32(tok[1], &d->remap_corr) && parse_u32(tok[2], &d->remap_unc) &&
                parse_u32(tok[3], &d->remap_pending) && parse_u32(tok[4], &d->remap_failure) &&
                d->remap_pending <= 1 && d->remap_failure <= 1) ||
               fail(c, "usage: remapped_rows <correctable> <uncorrectable> <pending 0|1> <failure 0|1>");
    }
    if (!strcmp(k, "mig_mode")) {
        if (ntok != 3) return fail(c, "usage: mig_mode <current 0|1> <pending 0|1>");
        d->has_mig = true;
        return (parse_u32(tok[1], &d->mig_current) && parse_u32(tok[2], &d->mig_pending) && d->mig_current <= 1 &&
                d->mig_pending <= 1) ||
               fail(c, "usage: mig_mode <current 0|1> <pending 0|1>");
    }
    if (!strcmp(k, "process")) {
        if (ntok < 3) return fail(c, "usage: process <pid> used_bytes=<n> [gpu_instance=<n>] [compute_instance=<n>] [sm=<fn>] [mem=<fn>] [enc=<fn>] [dec=<fn>]");
        if (d->nprocs == SIM_MAX_PROCS) return fail(c, "at most %d processes per device", SIM_MAX_PROCS);
        sim_process *p = &d->procs[d->nprocs];
        memset(p, 0, sizeof *p);
        p->gpu_instance_id = p->compute_instance_id = 0xFFFFFFFFU;
        if (!parse_u32(tok[1], &p->pid) || p->pid == 0) return fail(c, "bad pid '%s'", tok[1]);
        bool used = false;
        for (int i = 2; i < ntok; i++) {
            const char *v;
            if ((v = kv(tok[i], "used_bytes"))) {
                if (!parse_u64(v, &p->used_bytes)) return fail(c, "bad used_bytes '%s'", v);
                used = true;
            } else if ((v = kv(tok[i], "gpu_instance"))) {
                if (!parse_u32(v, &p->gpu_instance_id)) return fail(c, "bad gpu_instance '%s'", v);
            } else if ((v = kv(tok[i], "compute_instance"))) {
                if (!parse_u32(v, &p->compute_instance_id)) return fail(c, "bad compute_instance '%s'", v);
            } else if ((v = kv(tok[i], "sm"))) {
                p->has_util = true;
                if (!parse_fn(c, v, &p->sm)) return false;
            } else if ((v = kv(tok[i], "mem"))) {
                p->has_util = true;
                if (!parse_fn(c, v, &p->mem)) return false;
            } else if ((v = kv(tok[i], "enc"))) {
                p->has_util = true;
                if (!parse_fn(c, v, &p->enc)) return false;
            } else if ((v = kv(tok[i], "dec"))) {
                p->has_util = true;
                if (!parse_fn(c, v, &p->dec)) return false;
            } else {
                return fail(c, "process: unknown attribute '%s'", tok[i]);
            }
        }
        if (!used) return fail(c, "process: used_bytes=<n> is required");
        d->nprocs++;
        return true;
    }
    if (!strcmp(k, "field")) {
        if (ntok < 3) return fail(c, "usage: field <id> <value or function> [scope=<n>] [type=double|uint|ulong|ull|sll] [cumulative] [offset=<n>]");
        if (d->nfields == SIM_MAX_FIELDS) return fail(c, "at most %d fields per device", SIM_MAX_FIELDS);
        sim_field *f = &d->fields[d->nfields];
        memset(f, 0, sizeof *f);
        f->any_scope = true;
        f->type = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
        if (!parse_u32(tok[1], &f->field_id)) return fail(c, "bad field id '%s'", tok[1]);
        if (!parse_fn(c, tok[2], &f->fn)) return false;
        for (int i = 3; i < ntok; i++) {
            const char *v;
            if ((v = kv(tok[i], "scope"))) {
                f->any_scope = false;
                if (!parse_u32(v, &f->scope_id)) return fail(c, "bad scope '%s'", v);
            } else if ((v = kv(tok[i], "type"))) {
                if (!strcmp(v, "double")) f->type = NVML_VALUE_TYPE_DOUBLE;
                else if (!strcmp(v, "uint")) f->type = NVML_VALUE_TYPE_UNSIGNED_INT;
                else if (!strcmp(v, "ulong")) f->type = NVML_VALUE_TYPE_UNSIGNED_LONG;
                else if (!strcmp(v, "ull")) f->type = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
                else if (!strcmp(v, "sll")) f->type = NVML_VALUE_TYPE_SIGNED_LONG_LONG;
                else return fail(c, "field type must be double, uint, ulong, ull or sll: '%s'", v);
            } else if (!strcmp(tok[i], "cumulative")) {
                f->cumulative = true;
            } else if ((v = kv(tok[i], "offset"))) {
                if (!parse_double(v, &f->offset)) return fail(c, "bad offset '%s'", v);
            } else {
                return fail(c, "field: unknown attribute '%s'", tok[i]);
            }
        }
        d->nfields++;
        return true;
    }
    if (!strcmp(k, "gpm")) {
        NEED(1, 1, "gpm <on|off|default>");
        if (!strcmp(tok[1], "on")) d->gpm_setting = 1;
        else if (!strcmp(tok[1], "off")) d->gpm_setting = 0;
        else if (!strcmp(tok[1], "default")) d->gpm_setting = -1;
        else return fail(c, "usage: gpm <on|off|default>");
        return true;
    }
    if (!strcmp(k, "gpm_metric")) {
        NEED(2, 2, "gpm_metric <id or name> <value or function>");
        if (d->ngpm == SIM_MAX_GPM) return fail(c, "at most %d GPM metrics per device", SIM_MAX_GPM);
        unsigned int id = 0;
        bool found = false;
        for (unsigned int i = 1; i < 98 && !found; i++) {
            const char *n = sim_gpm_metric_name(i);
            if (n && !strcmp(n, tok[1])) {
                id = i;
                found = true;
            }
        }
        if (!found && (!parse_u32(tok[1], &id) || id == 0 || id >= SIM_GPM_METRICS_ARRAY_MAX))
            return fail(c, "unknown GPM metric '%s' (a name such as sm_util, or an nvmlGpmMetricId_t number)", tok[1]);
        for (unsigned int i = 0; i < d->ngpm; i++)
            if (d->gpm[i].metric_id == id) return fail(c, "GPM metric %u given twice", id);
        d->gpm[d->ngpm].metric_id = id;
        if (!parse_fn(c, tok[2], &d->gpm[d->ngpm].fn)) return false;
        d->ngpm++;
        return true;
    }
    if (!strcmp(k, "xid_storm")) {
        NEED(4, 4, "xid_storm <from_s> <count> <every_s> <xid>");
        if (d->nxid > 0 || d->xid_storm_count > 0) return fail(c, "xid_storm: a device has either xid lines or one xid_storm");
        if (!parse_double(tok[1], &d->xid_storm_from_s) || d->xid_storm_from_s < 0)
            return fail(c, "xid_storm: bad start time '%s'", tok[1]);
        if (!parse_u64(tok[2], &d->xid_storm_count) || d->xid_storm_count == 0 || d->xid_storm_count > 100000000ULL)
            return fail(c, "xid_storm: count must be 1..100000000: '%s'", tok[2]);
        if (!parse_double(tok[3], &d->xid_storm_every_s) || d->xid_storm_every_s < 0)
            return fail(c, "xid_storm: bad interval '%s'", tok[3]);
        if (!parse_u64(tok[4], &d->xid_storm_xid)) return fail(c, "xid_storm: bad Xid '%s'", tok[4]);
        return true;
    }
    if (!strcmp(k, "xid")) {
        NEED(2, 2, "xid <time_s> <xid>");
        if (d->xid_storm_count > 0) return fail(c, "xid: a device has either xid lines or one xid_storm");
        if (d->nxid == SIM_MAX_XID) return fail(c, "at most %d Xid events per device", SIM_MAX_XID);
        sim_xid *x = &d->xids[d->nxid];
        if (!parse_double(tok[1], &x->time_s) || x->time_s < 0) return fail(c, "bad Xid time '%s'", tok[1]);
        if (!parse_u64(tok[2], &x->xid)) return fail(c, "bad Xid '%s'", tok[2]);
        if (d->nxid > 0 && x->time_s < d->xids[d->nxid - 1].time_s) return fail(c, "Xid events must be in time order");
        d->nxid++;
        return true;
    }
    return fail(c, "unknown directive '%s'", k);
}

static bool parse_fault(parse_ctx *c, sim_scenario *s, char **tok, int ntok) {
    const char *usage = "fault <nvml function> [device=<index>|all] [return=<code>] [delay_ms=<n>] [hang] [from=<s>] [to=<s>]";
    if (ntok < 3) return fail(c, "usage: %s", usage);
    if (s->nfaults == SIM_MAX_FAULTS) return fail(c, "at most %d faults", SIM_MAX_FAULTS);
    sim_fault *f = &s->faults[s->nfaults];
    memset(f, 0, sizeof *f);
    f->device = -1;
    f->from_s = 0;
    f->to_s = INFINITY;
    if (!sim_is_exported_nvml_function(tok[1]))
        return fail(c, "fault: '%s' is not an NVML function of this library (see docs/simulator.md)", tok[1]);
    f->decl_line = c->line;
    if (!copy_string(c, f->function, sizeof f->function, tok[1], "function name")) return false;
    bool any = false;
    for (int i = 2; i < ntok; i++) {
        const char *v;
        if ((v = kv(tok[i], "device"))) {
            unsigned int idx;
            if (!strcmp(v, "all")) f->device = -1;
            else if (parse_u32(v, &idx) && idx < SIM_MAX_DEVICES) f->device = (int)idx;
            else return fail(c, "fault: bad device '%s'", v);
        } else if ((v = kv(tok[i], "return"))) {
            if (!parse_return(v, &f->ret)) return fail(c, "fault: unknown return code '%s' (e.g. GPU_IS_LOST or 15)", v);
            any = true;
        } else if ((v = kv(tok[i], "delay_ms"))) {
            if (!parse_u32(v, &f->delay_ms)) return fail(c, "fault: bad delay_ms '%s'", v);
            any = true;
        } else if (!strcmp(tok[i], "hang")) {
            f->hang = true;
            any = true;
        } else if ((v = kv(tok[i], "from"))) {
            if (!parse_double(v, &f->from_s) || f->from_s < 0) return fail(c, "fault: bad from '%s'", v);
        } else if ((v = kv(tok[i], "to"))) {
            if (!parse_double(v, &f->to_s)) return fail(c, "fault: bad to '%s'", v);
        } else {
            return fail(c, "fault: unknown attribute '%s'; %s", tok[i], usage);
        }
    }
    if (!any) return fail(c, "fault: give at least one of return=, delay_ms=, hang");
    if (!(f->to_s > f->from_s)) return fail(c, "fault: to must be after from");
    if (f->hang && isinf(f->to_s)) return fail(c, "fault: hang needs to=<seconds> (a hang lasts until the window ends)");
    s->nfaults++;
    return true;
}

static bool finish_device(parse_ctx *c, sim_device *d) {
    c->line = d->decl_line; /* report a missing key at the device's own `device` line */
    if (!d->name[0]) return fail(c, "device %u (starting here) has no name", d->index);
    if (!d->uuid[0]) return fail(c, "device %u (starting here) has no uuid", d->index);
    if (!d->has_pci) return fail(c, "device %u (starting here) has no pci_bus_id", d->index);
    if (!d->has_memory) return fail(c, "device %u (starting here) has no memory_total_bytes", d->index);
    if (d->has_pcie_link && (!d->pcie_gen_max || !d->pcie_width_max))
        return fail(c, "device %u (starting here) needs both pcie_gen and pcie_width", d->index);
    if (d->enforced_power_limit_mw == 0) d->enforced_power_limit_mw = d->power_limit_mw;
    return finish_mig(c, d);
}

void sim_scenario_free(sim_scenario *s) {
    free(s->devices);
    s->devices = NULL;
    s->ndevices = 0;
}

bool sim_scenario_load(const char *path, sim_scenario *s, char *err, size_t errlen) {
    parse_ctx ctx = {path, 0, err, errlen};
    parse_ctx *c = &ctx;
    memset(s, 0, sizeof *s);
    strcpy(s->driver_version, "0.0 (simulated)");
    strcpy(s->nvml_version, "0.0 (simulated)");
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open scenario: %s", path, strerror(errno));
        return false;
    }
    char line[4096];
    sim_device *dev = NULL;
    bool ok = true;
    while (ok && fgets(line, sizeof line, fp)) {
        c->line++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            ok = fail(c, "line longer than %zu characters", sizeof line - 2);
            break;
        }
        /* A comment starts at '#' at the start of the line or after white space. */
        for (char *p = line; *p; p++)
            if (*p == '#' && (p == line || isspace((unsigned char)p[-1]))) {
                *p = '\0';
                break;
            }
        len = strlen(line);
        while (len > 0 && isspace((unsigned char)line[len - 1])) line[--len] = '\0';
        char *start = line;
        while (*start && isspace((unsigned char)*start)) start++;
        if (!*start) continue;
        /* The untokenized text after the directive, for names with spaces. */
        char rest[4096];
        const char *after = start;
        while (*after && !isspace((unsigned char)*after)) after++;
        while (*after && isspace((unsigned char)*after)) after++;
        snprintf(rest, sizeof rest, "%s", after);

        char *tok[MAX_TOKENS] = {0};
        int ntok = tokenize(start, tok, MAX_TOKENS);
        if (ntok == -1) {
            ok = fail(c, "unbalanced parentheses");
            break;
        }
        if (ntok < 0) {
            ok = fail(c, "too many words on one line");
            break;
        }
        if (ntok == 0) continue;
        const char *k = tok[0];
        if (!strcmp(k, "device")) {
            if (ntok != 1) {
                ok = fail(c, "usage: device   (devices are numbered in file order; the keys that follow belong to it)");
                break;
            }
            if (dev) {
                int here = c->line;
                if (!(ok = finish_device(c, dev))) break;
                c->line = here;
            }
            if (s->ndevices == SIM_MAX_DEVICES) {
                ok = fail(c, "at most %d devices", SIM_MAX_DEVICES);
                break;
            }
            sim_device *grown = realloc(s->devices, (s->ndevices + 1) * sizeof *grown);
            if (!grown) {
                ok = fail(c, "out of memory");
                break;
            }
            s->devices = grown;
            dev = &s->devices[s->ndevices];
            memset(dev, 0, sizeof *dev);
            dev->index = s->ndevices++;
            dev->decl_line = c->line;
            dev->gpm_setting = -1;
        } else if (!strcmp(k, "driver_version") || !strcmp(k, "nvml_version")) {
            if (ntok != 2) ok = fail(c, "usage: %s <version string>", k);
            else if (k[0] == 'd') ok = copy_string(c, s->driver_version, sizeof s->driver_version, tok[1], k);
            else ok = copy_string(c, s->nvml_version, sizeof s->nvml_version, tok[1], k);
        } else if (!strcmp(k, "cuda_driver_version")) {
            unsigned int v;
            if (ntok != 2 || !parse_u32(tok[1], &v) || v > 1000000)
                ok = fail(c, "usage: cuda_driver_version <major*1000 + minor*10, e.g. 12020 for 12.2>");
            else s->cuda_driver_version = (int)v;
        } else if (!strcmp(k, "clock")) {
            if (ntok == 2 && !strcmp(tok[1], "running")) {
                s->clock_frozen = false;
            } else if (ntok == 3 && !strcmp(tok[1], "frozen") && parse_double(tok[2], &s->frozen_at_s) &&
                       s->frozen_at_s >= 0) {
                s->clock_frozen = true;
            } else {
                ok = fail(c, "usage: clock running | clock frozen <seconds since nvmlInit>");
            }
        } else if (!strcmp(k, "epoch_unix_seconds")) {
            if (ntok != 2 || !parse_double(tok[1], &s->epoch_unix_s) || s->epoch_unix_s < 0)
                ok = fail(c, "usage: epoch_unix_seconds <seconds since 1970 at simulated time 0>");
            else s->has_epoch = true;
        } else if (!strcmp(k, "fault")) {
            ok = parse_fault(c, s, tok, ntok);
        } else if (!dev) {
            ok = fail(c, "'%s' is a device key or unknown; device keys come after a 'device' line", k);
        } else {
            ok = parse_device_line(c, dev, tok, ntok, rest);
        }
    }
    if (ok && ferror(fp)) ok = fail(c, "read error");
    fclose(fp);
    if (!ok) return false;
    c->line++;
    if (dev && !finish_device(c, dev)) return false;

    /* Fault device indexes must name devices that exist. */
    for (unsigned int i = 0; i < s->nfaults; i++)
        if (s->faults[i].device >= (int)s->ndevices) {
            snprintf(err, errlen, "%s:%d: fault on %s names device %d but the scenario has %u devices", path,
                     s->faults[i].decl_line, s->faults[i].function, s->faults[i].device, s->ndevices);
            return false;
        }
    /* UUIDs and PCI bus ids must be unique, as on a real system. */
    for (unsigned int i = 0; i < s->ndevices; i++)
        for (unsigned int j = i + 1; j < s->ndevices; j++) {
            const sim_device *a = &s->devices[i], *b = &s->devices[j];
            if (!strcmp(a->uuid, b->uuid) || (a->pci_domain == b->pci_domain && a->pci_bus == b->pci_bus &&
                                              a->pci_device == b->pci_device)) {
                snprintf(err, errlen, "%s: devices %u and %u have the same uuid or PCI bus id", path, i, j);
                return false;
            }
        }
    return true;
}
