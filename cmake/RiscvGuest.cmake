# Builds bare-metal RISC-V guest programs with Debian's riscv64-unknown-elf-gcc.
#   polyemu_guest(NAME <name> SOURCES <files...> [FLAGS <extra flags...>] [OUTDIR <dir>])
# produces <OUTDIR>/<name>.elf (default OUTDIR: the current binary dir) and a target
# guest_<name> that is part of ALL.
find_program(RISCV_GUEST_CC riscv64-unknown-elf-gcc)
if(NOT RISCV_GUEST_CC)
  message(WARNING "riscv64-unknown-elf-gcc not found: guest programs are not built "
                  "(run scripts/install-deps.sh)")
endif()

function(polyemu_guest)
  cmake_parse_arguments(G "" "NAME;OUTDIR" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  if(NOT RISCV_GUEST_CC)
    return()
  endif()
  if(NOT G_OUTDIR)
    set(G_OUTDIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set(out ${G_OUTDIR}/${G_NAME}.elf)
  set(srcs)
  foreach(s ${G_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND srcs ${abs})
  endforeach()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTDIR}
    COMMAND ${RISCV_GUEST_CC} ${G_FLAGS} -o ${out} ${srcs}
    DEPENDS ${srcs} ${G_DEPENDS}
    COMMENT "Building guest ${G_NAME}.elf"
    VERBATIM)
  add_custom_target(guest_${G_NAME} ALL DEPENDS ${out})
endfunction()
