// CPU feature check for the Dense kernels: CPUID + XGETBV (no /proc, no libgcc's __cpu_model), so
// Kernels needs no Glibc and no file I/O. On anything but x86-64 the AVX2 path is never chosen.
#include "CKernelsCPU.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

int lessonlens_cpu_has_avx2_fma(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned int fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6u) != 6u) return 0; // XMM and YMM state enabled by the OS
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 5)) ? 1 : 0; // AVX2
}
#else
int lessonlens_cpu_has_avx2_fma(void) { return 0; }
#endif

int lessonlens_simd_forced_portable(void) {
    const char *v = getenv("LESSONLENS_SIMD");
    return v != NULL && strcmp(v, "portable") == 0;
}
