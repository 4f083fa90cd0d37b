# Runs one guest program through the polyemu CLI and checks its console output and exit
# code, under every engine: the interpreter twice (determinism), the tiered JIT as users
# run it, and the JIT compiling every block at its first run on the guest thread (so
# nearly everything runs as native code). Console output, exit code, instruction count and
# the final pc and registers of every hart must be identical in all four runs.
if(NOT EXISTS "${ELF}")
  message(FATAL_ERROR "guest program ${ELF} was not built (is riscv64-unknown-elf-gcc installed?)")
endif()
set(runs interp interp jit jit_all)
set(args_interp --engine interp)
set(args_jit --engine jit)
set(args_jit_all --engine jit --jit-threshold 1 --jit-sync)
set(i 0)
foreach(run ${runs})
  math(EXPR i "${i} + 1")
  execute_process(COMMAND ${POLYEMU} run --machine riscv64-virt --smp ${HARTS} --stats --dump-regs --check-ir
    ${args_${run}} --kernel ${ELF}
    OUTPUT_VARIABLE out${i} ERROR_VARIABLE err${i} RESULT_VARIABLE rc${i} TIMEOUT 120)
  string(REGEX MATCH "polyemu: instructions [0-9]+" count${i} "${err${i}}")
  string(REGEX MATCHALL "polyemu: hart [^\n]*" regs${i} "${err${i}}")
  string(REGEX MATCH "polyemu: jit native share [0-9.]+%" share${i} "${err${i}}")
endforeach()
file(READ ${EXPECTED} want)
if(NOT rc1 STREQUAL "${CODE}")
  message(FATAL_ERROR "exit code ${rc1}, expected ${CODE}\nstdout:\n${out1}\nstderr:\n${err1}")
endif()
if(NOT out1 STREQUAL want)
  message(FATAL_ERROR "console output differs from ${EXPECTED}\n--- got:\n${out1}\n--- want:\n${want}")
endif()
if(count1 STREQUAL "" OR regs1 STREQUAL "")
  message(FATAL_ERROR "no instruction count or registers in the output:\n${err1}")
endif()
set(i 0)
foreach(run ${runs})
  math(EXPR i "${i} + 1")
  if(NOT out${i} STREQUAL out1 OR NOT rc${i} STREQUAL rc1 OR NOT count${i} STREQUAL count1
     OR NOT regs${i} STREQUAL regs1)
    message(FATAL_ERROR "run ${i} (${run}) differs from run 1 (interp): '${count${i}}' vs '${count1}', "
      "exit ${rc${i}} vs ${rc1}\n--- stdout:\n${out${i}}\n--- stderr:\n${err${i}}\n--- interp stderr:\n${err1}")
  endif()
endforeach()
if(share4 STREQUAL "" OR share4 MATCHES "share 0.0%")
  message(FATAL_ERROR "the JIT ran nothing natively with --jit-threshold 1 --jit-sync: '${share4}'")
endif()
message(STATUS "ok: exit ${rc1}, ${count1}, ${share4} (threshold 1)")
