// Which FUSE requests the request loop serves one at a time, in the order
// the kernel queued them (see request_loop.h).
#pragma once

#include <cstdint>

namespace crashfs::fusefs {

// True for FUSE opcodes whose handler may append a mutation or durability
// record (open and release included: O_TRUNC opens and Release records).
bool is_serialized_opcode(std::uint32_t opcode);

}  // namespace crashfs::fusefs
