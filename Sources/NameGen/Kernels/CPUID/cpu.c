// CPUID and XGETBV need instructions that Swift cannot emit (it has no inline assembly), so this
// small C target reads them. It is compiled without -march flags: both instructions exist on every
// x86-64 CPU that reports the bits tested here. On other architectures it reports no features.
#include "namegen_cpu.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    // XGETBV with ECX = 0 reads XCR0, the register state the OS has enabled for XSAVE.
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

unsigned namegen_cpu_features(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned fma = 1u << 12, movbe = 1u << 22, osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
    if ((ecx & (fma | movbe | osxsave | avx | f16c)) != (fma | movbe | osxsave | avx | f16c)) return 0;
    unsigned long long xcr0 = read_xcr0();
    // XMM (bit 1) and YMM (bit 2) state must be saved by the OS.
    if ((xcr0 & 0x6) != 0x6) return 0;
    unsigned int ext_ecx = 0;
    {
        unsigned int a, b, d;
        if (__get_cpuid(0x80000001, &a, &b, &ext_ecx, &d) == 0) ext_ecx = 0;
    }
    if (!(ext_ecx & (1u << 5))) return 0;  // LZCNT (ABM)
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned bmi1 = 1u << 3, avx2 = 1u << 5, bmi2 = 1u << 8;
    if ((ebx & (bmi1 | avx2 | bmi2)) != (bmi1 | avx2 | bmi2)) return 0;
    unsigned result = NAMEGEN_CPU_AVX2;
    const unsigned f = 1u << 16, dq = 1u << 17, cd = 1u << 28, bw = 1u << 30, vl = 1u << 31;
    // Opmask (bit 5), upper halves of ZMM0-15 (bit 6) and ZMM16-31 (bit 7) saved by the OS.
    if ((ebx & (f | dq | cd | bw | vl)) == (f | dq | cd | bw | vl) && (xcr0 & 0xE0) == 0xE0) {
        result |= NAMEGEN_CPU_AVX512;
    }
    return result;
}

void namegen_cpu_brand(char brand[49]) {
    memset(brand, 0, 49);
    unsigned int regs[12];
    if (__get_cpuid_max(0x80000000, 0) < 0x80000004) return;
    for (unsigned i = 0; i < 3; i++) {
        __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    }
    memcpy(brand, regs, 48);
}
#else
unsigned namegen_cpu_features(void) { return 0; }
void namegen_cpu_brand(char brand[49]) { memset(brand, 0, 49); }
#endif
