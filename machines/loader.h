// Loading guest images into RAM: ELF64 executables and raw binaries.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace polyemu {

// A bad image: the message is one line meant for the user.
struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GuestRam {
  uint8_t* host;
  uint64_t base, size;
};

struct ElfImage {
  uint64_t entry = 0;
  std::map<std::string, uint64_t> symbols;  // only the ones asked for
};

// Loads the PT_LOAD segments of a RISC-V ELF64 executable into RAM.
ElfImage load_elf(const std::string& path, uint16_t machine, const GuestRam& ram,
                  std::initializer_list<const char*> wanted_symbols = {});
// True when the file starts with the ELF magic (false also when it cannot be read).
bool is_elf(const std::string& path);
// Copies a whole file to `addr`; returns its size.
uint64_t load_raw(const std::string& path, uint64_t addr, const GuestRam& ram);

}  // namespace polyemu
