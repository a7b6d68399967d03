#include "core/memory_history.h"

#include <algorithm>

namespace crashfs {

std::size_t MemoryHistory::add(MemoryState state) {
  states_.push_back(std::make_shared<const MemoryState>(std::move(state)));
  return states_.size() - 1;
}

MemoryHistory& MemoryHistory::acknowledge(std::size_t moment, std::string what) {
  acks_.push_back(Acknowledgement{moment, std::move(what)});
  std::stable_sort(acks_.begin(), acks_.end(), [](const auto& a, const auto& b) { return a.moment < b.moment; });
  return *this;
}

MemoryHistory& MemoryHistory::file_sync(std::string path, std::size_t moment) {
  auto& list = syncs_[path];
  list.push_back(Acknowledgement{moment, "fsync(" + path + ")"});
  std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.moment < b.moment; });
  return *this;
}

const Acknowledgement* MemoryHistory::latest_file_sync(std::string_view path, std::size_t moment) const {
  auto it = syncs_.find(path);
  if (it == syncs_.end()) return nullptr;
  const Acknowledgement* best = nullptr;
  for (const auto& a : it->second)
    if (a.moment <= moment) best = &a;
  return best;
}

std::vector<std::size_t> MemoryHistory::promise_moments() const {
  std::vector<std::size_t> out;
  for (const auto& a : acks_) out.push_back(a.moment);
  for (const auto& [path, list] : syncs_)
    for (const auto& a : list) out.push_back(a.moment);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace crashfs
