#include "machines/loader.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

namespace polyemu {

namespace {

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
  return b;
}

bool inside(const GuestRam& ram, uint64_t addr, uint64_t len) {
  return addr >= ram.base && len <= ram.size && addr - ram.base <= ram.size - len;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};
struct ElfHandle {
  Elf* e;
  ~ElfHandle() {
    if (e) elf_end(e);
  }
};

}  // namespace

ElfImage load_elf(const std::string& path, uint16_t machine, const GuestRam& ram,
                  std::initializer_list<const char*> wanted) {
  if (elf_version(EV_CURRENT) == EV_NONE) throw LoadError("libelf initialization failed");
  Fd f{open(path.c_str(), O_RDONLY)};
  if (f.fd < 0) throw LoadError(path + ": " + std::strerror(errno));
  ElfHandle h{elf_begin(f.fd, ELF_C_READ, nullptr)};
  if (!h.e || elf_kind(h.e) != ELF_K_ELF) throw LoadError(path + ": not an ELF file");
  if (gelf_getclass(h.e) != ELFCLASS64) throw LoadError(path + ": not a 64-bit ELF file");
  GElf_Ehdr eh;
  if (!gelf_getehdr(h.e, &eh)) throw LoadError(path + ": truncated or corrupt ELF header");
  if (eh.e_machine != machine)
    throw LoadError(path + ": wrong machine type " + std::to_string(eh.e_machine) + " (expected " +
                    std::to_string(machine) + ")");
  if (eh.e_type != ET_EXEC) throw LoadError(path + ": not an executable ELF file");
  size_t phnum;
  if (elf_getphdrnum(h.e, &phnum) != 0) throw LoadError(path + ": corrupt program headers");
  size_t file_size = 0;
  char* raw = elf_rawfile(h.e, &file_size);
  if (!raw) throw LoadError(path + ": cannot read file contents");
  // Validate every segment before touching RAM, so a bad file changes nothing.
  std::vector<GElf_Phdr> segs;
  for (size_t i = 0; i < phnum; i++) {
    GElf_Phdr ph;
    if (!gelf_getphdr(h.e, int(i), &ph)) throw LoadError(path + ": corrupt program header " + std::to_string(i));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz) throw LoadError(path + ": segment file size exceeds memory size");
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
      throw LoadError(path + ": truncated file (segment at offset " + hex(ph.p_offset) + " past the end)");
    if (!inside(ram, ph.p_paddr, ph.p_memsz))
      throw LoadError(path + ": segment " + hex(ph.p_paddr) + "-" + hex(ph.p_paddr + ph.p_memsz) + " is outside RAM " +
                      hex(ram.base) + "-" + hex(ram.base + ram.size));
    segs.push_back(ph);
  }
  if (segs.empty()) throw LoadError(path + ": no loadable segments");
  for (const GElf_Phdr& ph : segs) {
    uint8_t* dst = ram.host + (ph.p_paddr - ram.base);
    std::memcpy(dst, raw + ph.p_offset, ph.p_filesz);
    std::memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
  }
  ElfImage img;
  img.entry = eh.e_entry;
  if (wanted.size()) {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(h.e, scn))) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0) continue;
      Elf_Data* data = elf_getdata(scn, nullptr);
      if (!data) continue;
      size_t count = sh.sh_size / sh.sh_entsize;
      for (size_t i = 0; i < count; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, int(i), &sym)) break;
        const char* name = elf_strptr(h.e, sh.sh_link, sym.st_name);
        if (!name) continue;
        for (const char* w : wanted)
          if (std::strcmp(name, w) == 0) img.symbols[w] = sym.st_value;
      }
    }
  }
  return img;
}

bool is_elf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in && std::memcmp(magic,
                           "\x7f"
                           "ELF",
                           4) == 0;
}

uint64_t load_raw(const std::string& path, uint64_t addr, const GuestRam& ram) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw LoadError(path + ": " + std::strerror(errno));
  std::streamoff size = in.tellg();
  if (size < 0) throw LoadError(path + ": cannot determine size");
  if (size == 0) throw LoadError(path + ": file is empty");
  if (!inside(ram, addr, uint64_t(size)))
    throw LoadError(path + ": " + std::to_string(size) + " bytes at " + hex(addr) + " do not fit in RAM " +
                    hex(ram.base) + "-" + hex(ram.base + ram.size));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(ram.host + (addr - ram.base)), size);
  if (!in) throw LoadError(path + ": read error");
  return uint64_t(size);
}

}  // namespace polyemu
