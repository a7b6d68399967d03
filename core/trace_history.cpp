#include "core/trace_history.h"

#include <algorithm>

#include <fmt/format.h>

namespace crashfs {
namespace {

constexpr std::size_t kRecentViews = 4;

bool acknowledges_file(const Record& r) {
  if (r.type == RecordType::kFsync || r.type == RecordType::kFdatasync) return true;
  return r.type == RecordType::kWrite && (r.flags & (kWriteSynced | kWriteDsynced)) != 0;
}

}  // namespace

TraceHistory::TraceHistory(Explorer& explorer, std::vector<Acknowledgement> acknowledgements)
    : explorer_(explorer), acks_(std::move(acknowledgements)) {
  std::stable_sort(acks_.begin(), acks_.end(),
                   [](const Acknowledgement& a, const Acknowledgement& b) { return a.moment < b.moment; });
  StateBuilder& builder = explorer_.builder();
  const TraceIndex& index = explorer_.index();
  for (std::size_t op = 0; op < index.size(); ++op) {
    const Record& r = index.record(op);
    if (!acknowledges_file(r) || is_synthetic(r)) continue;
    const FsImage& image = builder.process_kill(op);
    const FsNode* n = image.node(r.node);
    if (n == nullptr || n->kind != NodeKind::kFile) continue;
    for (const Link& link : n->links) {
      if (image.lookup(link.parent, link.name) != r.node) continue;
      const auto dir = image.path_of(link.parent);
      if (!dir) continue;
      std::string path = dir->empty() ? std::string(link.name) : *dir + "/" + std::string(link.name);
      const std::string what = fmt::format("{}", explorer_.describe_op(op));
      file_syncs_[path].push_back(Acknowledgement{op + 1, what});
    }
  }
}

std::shared_ptr<const StateView> TraceHistory::state_at(std::size_t moment) const {
  const std::lock_guard lock(mutex_);
  for (auto& [m, view] : recent_)
    if (m == moment) return view;
  StateBuilder& builder = explorer_.builder();
  std::shared_ptr<const StateView> view =
      moment == 0 ? builder.view(builder.initial()) : builder.view(builder.process_kill(moment - 1));
  if (recent_.size() == kRecentViews) recent_.erase(recent_.begin());
  recent_.emplace_back(moment, view);
  return view;
}

const Acknowledgement* TraceHistory::latest_file_sync(std::string_view path, std::size_t moment) const {
  auto it = file_syncs_.find(std::string(path));
  if (it == file_syncs_.end()) return nullptr;
  const auto& list = it->second;
  auto at = std::upper_bound(list.begin(), list.end(), moment,
                             [](std::size_t m, const Acknowledgement& a) { return m < a.moment; });
  return at == list.begin() ? nullptr : &*(at - 1);
}

std::vector<std::size_t> TraceHistory::promise_moments() const {
  std::vector<std::size_t> out;
  for (const auto& a : acks_) out.push_back(a.moment);
  for (const auto& [path, list] : file_syncs_)
    for (const auto& a : list) out.push_back(a.moment);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace crashfs
