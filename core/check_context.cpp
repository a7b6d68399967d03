#include "core/check_context.h"

#include <algorithm>

namespace crashfs {

const Acknowledgement* RunHistory::latest_acknowledgement(std::size_t moment) const {
  const auto& acks = acknowledgements();
  auto it = std::upper_bound(acks.begin(), acks.end(), moment,
                             [](std::size_t m, const Acknowledgement& a) { return m < a.moment; });
  return it == acks.begin() ? nullptr : &*(it - 1);
}

}  // namespace crashfs
