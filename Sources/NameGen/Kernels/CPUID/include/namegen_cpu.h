// CPU feature detection for namegen's kernel sets: the CPUID feature bits and, through XGETBV,
// whether the operating system saves the wider vector registers on a context switch.
#ifndef NAMEGEN_CPU_H
#define NAMEGEN_CPU_H

/// Bits of the value returned by namegen_cpu_features().
enum {
    NAMEGEN_CPU_AVX2 = 1 << 0,     // AVX2 + FMA + F16C + BMI1/2 + LZCNT + MOVBE (x86-64-v3), YMM saved by the OS
    NAMEGEN_CPU_AVX512 = 1 << 1,   // AVX-512 F/CD/BW/DQ/VL (x86-64-v4), ZMM and opmask registers saved by the OS
};

/// The kernel-set features of this CPU and OS (0 on anything but x86-64).
unsigned namegen_cpu_features(void);

/// The CPU's brand string (CPUID leaves 0x80000002-4), NUL-terminated in 49 bytes; "" where unknown.
void namegen_cpu_brand(char brand[49]);

#endif
