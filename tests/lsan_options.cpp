// LeakSanitizer's defaults in the test executables of a POLYEMU_SANITIZE build (LSAN_OPTIONS
// from the environment still apply after them).
//
// intercept_tls_get_addr=0: the sanitizer runtime of Debian 12's GCC records bogus ranges for
// the dynamic TLS of libraries loaded with dlopen (libpolyemu_llvm.so and libLLVM, whose
// thread-local data a synchronous compile touches on the main thread), and its leak check
// at exit then crashes ("Tracer caught signal 11", "DTLS 8 at 0x...e56") in about one run
// in fifteen of a machine test that compiles. With it off, dynamic TLS is no root of the
// leak scan (no test keeps heap memory there); stacks, globals and static TLS still are.
extern "C" const char* __lsan_default_options();
extern "C" const char* __lsan_default_options() { return "intercept_tls_get_addr=0"; }
