#include "core/state_builder.h"

#include <algorithm>

namespace crashfs {

StateBuilder::StateBuilder(const TraceIndex& index, BaseContent* base)
    : index_(&index), initial_(FsImage::initial(index.trace())) {
  base_ = std::make_unique<BaseStore>(base, initial_, [this] {
    return index_->size() == 0 ? initial_ : final_image();
  });
}

const FsImage& StateBuilder::process_kill(std::size_t point) {
  pk_.reserve(index_->size());
  while (pk_.size() <= point) {
    const std::size_t k = pk_.size();
    FsImage next = k == 0 ? initial_ : pk_.back();
    if (index_->is_mutation(k)) next.apply(index_->record(k));
    pk_.push_back(std::move(next));
  }
  return pk_[point];
}

FsImage StateBuilder::build(const BuildPlan& plan) {
  if (plan.omit_unsynced) return synced_only(plan.point);
  const std::size_t first = plan.first_deviation(*index_);
  if (first > plan.point) return process_kill(plan.point);
  FsImage image = first == 0 ? initial_ : process_kill(first - 1);
  for (std::size_t k = first; k <= plan.point; ++k) {
    if (index_->is_mutation(k)) image.apply(index_->record(k), plan.how(*index_, k));
  }
  return image;
}

FsImage StateBuilder::synced_only(std::size_t p, std::optional<std::size_t> first_unsynced) {
  BuildPlan plan;
  plan.point = p;
  plan.omit_unsynced = true;
  const std::size_t first = first_unsynced ? *first_unsynced : plan.first_deviation(*index_);
  if (first > p) return process_kill(p);
  // Resume after the longest prefix on which the previous synced-only
  // build decided the same: decisions differ only for operations after the
  // earlier of the two points, or made durable between the two points.
  std::size_t resume = first;
  if (trail_point_ && trail_start_ == first) {
    const std::size_t lo = std::min(*trail_point_, p), hi = std::max(*trail_point_, p);
    std::size_t differs = lo + 1;
    for (std::size_t f = lo + 1; f <= hi; ++f) {
      if (!index_->newly_durable(f).empty()) differs = std::min<std::size_t>(differs, index_->newly_durable(f).front());
    }
    resume = std::max(resume, differs);
  } else {
    trail_.clear();
  }
  if (trail_.size() < p + 1) trail_.resize(p + 1);
  trail_start_ = first;
  trail_point_ = p;
  FsImage image = resume == first ? (first == 0 ? initial_ : process_kill(first - 1)) : trail_[resume - 1];
  for (std::size_t k = resume; k <= p; ++k) {
    if (index_->is_mutation(k)) image.apply(index_->record(k), plan.how(*index_, k));
    trail_[k] = image;
  }
  return image;
}

std::shared_ptr<const ImageView> StateBuilder::view(FsImage image) const {
  return std::make_shared<const ImageView>(std::move(image), *base_);
}

}  // namespace crashfs
