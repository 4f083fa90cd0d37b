// Guest code → IR block for RISC-V.
#pragma once
#include <cstdint>
#include <functional>

#include "ir/ir.h"

namespace polyemu::riscv {

// Reads one 16-bit parcel of guest code; false, with the exception cause (access or page
// fault), when the address is not executable.
using FetchFn = std::function<bool(uint64_t addr, uint16_t& out, uint64_t& fault_cause)>;

constexpr unsigned kMaxBlockInsns = 64;
constexpr uint32_t kCauseIllegal = 2;

// Translation mode bits: 1:0 the privilege level, then:
// kModeFpOff: mstatus.FS is Off, so every F, D and Zcd instruction is illegal.
constexpr uint32_t kModeFpOff = 1u << 4;

// Translates the block starting at `pc`. A block ends at a control transfer or system
// instruction, after `max_insns`, or before an instruction that starts on the next page.
// Decode faults become an Exit(Trap) terminal at the faulting instruction.
void translate(uint64_t pc, uint32_t mode, unsigned max_insns, const FetchFn& fetch, ir::Block& out);

}  // namespace polyemu::riscv
