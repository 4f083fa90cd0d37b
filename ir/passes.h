// Block optimization passes. Each is a free function over one block; `optimize` runs the
// pipeline and, in checked builds and tests, ends with the verifier.
#pragma once
#include "ir/ir.h"

namespace polyemu::ir {

// Forwards register values inside the block: a GetReg after a SetReg (or another GetReg)
// of the same register uses the known value; a SetReg overwritten later in the block is
// dropped unless an instruction that may trap lies between (the trap must see it). What
// it replaces or drops stays as an unused pure instruction for eliminate_dead_code().
void forward_registers(Block& b);
// Evaluates 64-bit pure instructions whose arguments are constants, and simplifies
// identities (x+0, x|0, x<<0, ...).
void fold_constants(Block& b);
// Removes pure instructions whose value is never used.
void eliminate_dead_code(Block& b);

// Runs the passes above in order. With `check`, verifies the result and throws
// std::logic_error with the printed block when verification fails.
void optimize(Block& b, bool check);

}  // namespace polyemu::ir
