// Which Dense kernel path the CPU and the environment allow (Kernels.Dense.kernel reads it once).
#ifndef LESSONLENS_CKERNELSCPU_H
#define LESSONLENS_CKERNELSCPU_H

/// 1 when the CPU has AVX2 and FMA and the OS saves the ymm registers (CPUID leaves 1 and 7, XGETBV);
/// 0 otherwise, and always 0 off x86-64.
int lessonlens_cpu_has_avx2_fma(void);

/// 1 when the environment variable LESSONLENS_SIMD is set to "portable" (force the portable kernels).
int lessonlens_simd_forced_portable(void);

#endif
