/* MKL on AMD CPUs: answer "yes" to MKL's Intel-CPU check so that it dispatches its AVX-512 kernels.
 *
 * torch's bundled MKL takes its AVX2 code path on non-Intel CPUs. On this project's AMD EPYC machine that made
 * float64 matrix products 2-3x slower than the hardware allows (1000^3: 19 ms, 9.6 ms with this file). Only for
 * measuring (benchmarks/README.md, "MKL on AMD"); sciml never loads it. Build and use:
 *
 *   cc -shared -fPIC -o /tmp/libmkl_on_amd.so benchmarks/mkl_on_amd.c
 *   LD_PRELOAD=/tmp/libmkl_on_amd.so .venv/bin/python benchmarks/run.py calculus --threads 2
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
