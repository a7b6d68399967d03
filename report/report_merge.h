// Combining the JSON reports of `--shard K/N` runs (`crashfs merge`) into
// the report one unsharded run gives.
//
// Why it works: every shard explores and deduplicates the whole trace but
// checks only the distinct states whose key falls in it (core/explorer.h),
// so the shards' checked states partition the unsharded run's.  Hence:
//  - per model, crash points, planned, generated and distinct states are
//    the same in every shard and are taken once; states checked, violations,
//    violating states and harness errors are summed; violations listed are
//    concatenated;
//  - a model x checker cell is a violation when any shard found one;
//    inconclusive only when every shard that checked something in it was
//    (a shard without any state of that cell says nothing); a run-level
//    reason holds when every shard that checked a state gives it, and "no
//    crash state was checked" only when no shard checked any;
//  - groups are united by the key explain groups by (checker, path with
//    digits folded, kind, grade): violations and states summed, models
//    united, the first shard's example state;
//  - fixes and fsync verdicts are explain's conclusions on each shard's
//    states: kept as they are when every shard that has them agrees, else
//    marked "agreed": false with each shard's conclusion in "per_shard"
//    (an fsync needed by any shard is listed as needed).
//
// Refused, naming the difference: reports of different traces (digest),
// options (models, explore options, checkers, acks), shard counts, a shard
// given twice or missing, an unsharded report.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace crashfs {

// `names` label the reports in messages (their file names).
Status merge_reports(const std::vector<nlohmann::json>& reports, const std::vector<std::string>& names,
                     nlohmann::json& out);

}  // namespace crashfs
