#include "core/state_spec.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace crashfs {
namespace {

constexpr std::array<std::string_view, 4> kModelNames = {"process-kill", "synced-only", "posix", "ext4-ordered"};

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

// Splits on `sep` (no empty-field elision: "a,,b" gives an empty field).
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto pos = text.find(sep);
    out.push_back(text.substr(0, pos));
    if (pos == std::string_view::npos) return out;
    text.remove_prefix(pos + 1);
  }
}

template <class Int>
bool parse_range(std::string_view text, Int& first, Int& last) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    if (!parse_int(text, first)) return false;
    last = first;
    return true;
  }
  return parse_int(text.substr(0, colon), first) && parse_int(text.substr(colon + 1), last) && first <= last;
}

template <class Int>
void append_range(std::string& out, Int first, Int last) {
  out += fmt::format("{}", first);
  if (last != first) out += fmt::format(":{}", last);
}

}  // namespace

std::string_view to_string(ModelKind model) { return kModelNames[static_cast<std::size_t>(model)]; }

std::optional<ModelKind> model_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kModelNames.size(); ++i) {
    if (kModelNames[i] == name) return static_cast<ModelKind>(i);
  }
  return std::nullopt;
}

std::string StateSpec::id() const {
  std::string out(to_string(model));
  if (sector != kDefaultSector) out += fmt::format(":{}", sector);
  out += '@';
  out += point.to_string();
  if (!omitted.empty()) {
    out += "-o";
    for (std::size_t i = 0; i < omitted.size(); ++i) {
      if (i > 0) out += ',';
      append_range(out, omitted[i].first, omitted[i].last);
    }
  }
  for (const TornWrite& t : torn) {
    out += fmt::format("-t{}s", t.op);
    for (std::size_t i = 0; i < t.kept.size(); ++i) {
      if (i > 0) out += ',';
      append_range(out, t.kept[i].first, t.kept[i].last);
    }
  }
  if (!zeroed.empty()) {
    out += "-z";
    for (std::size_t i = 0; i < zeroed.size(); ++i) out += fmt::format("{}{}", i > 0 ? "," : "", zeroed[i]);
  }
  return out;
}

Status StateSpec::parse(std::string_view id, StateSpec& out) {
  out = StateSpec{};
  auto bad = [&](std::string_view what) {
    return Status::invalid_argument(fmt::format(
        "bad state id '{}': {} (ids look like posix@41-o38,40-t39s1; take them from `crashfs explore --list`)", id,
        what));
  };
  const auto at = id.find('@');
  if (at == std::string_view::npos) return bad("no '@' between model and crash point");
  std::string_view model = id.substr(0, at);
  if (const auto colon = model.find(':'); colon != std::string_view::npos) {
    if (!parse_int(model.substr(colon + 1), out.sector) || out.sector == 0) return bad("bad sector size");
    model = model.substr(0, colon);
  }
  const auto kind = model_from_string(model);
  if (!kind) return bad(fmt::format("unknown model '{}'", model));
  out.model = *kind;
  if (out.sector != kDefaultSector && out.model != ModelKind::kPosix) return bad("only posix states have a sector size");

  const auto parts = split(id.substr(at + 1), '-');
  const auto point = OpId::parse(parts[0]);
  if (!point) return bad(fmt::format("bad crash point '{}'", parts[0]));
  out.point = *point;
  char last_kind = 0;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (part.size() < 2) return bad(fmt::format("empty part '{}'", part));
    const char kind_char = part[0];
    const std::string_view body = part.substr(1);
    const int order = kind_char == 'o' ? 0 : kind_char == 't' ? 1 : kind_char == 'z' ? 2 : -1;
    if (order < 0) return bad(fmt::format("unknown part '{}' (expected o, t or z)", part));
    const int last_order = last_kind == 0 ? -1 : last_kind == 'o' ? 0 : last_kind == 't' ? 1 : 2;
    if (order < last_order || (order == last_order && kind_char != 't')) {
      return bad(fmt::format("part '{}' out of order (o, then t..., then z)", part));
    }
    last_kind = kind_char;
    if (kind_char == 'o') {
      for (std::string_view r : split(body, ',')) {
        SeqRange range;
        if (!parse_range(r, range.first, range.last)) return bad(fmt::format("bad range '{}'", r));
        if (!out.omitted.empty() && range.first <= out.omitted.back().last) return bad("omitted ranges must ascend");
        out.omitted.push_back(range);
      }
    } else if (kind_char == 'z') {
      for (std::string_view s : split(body, ',')) {
        Seq seq = 0;
        if (!parse_int(s, seq)) return bad(fmt::format("bad seq '{}'", s));
        if (!out.zeroed.empty() && seq <= out.zeroed.back()) return bad("zeroed seqs must ascend");
        out.zeroed.push_back(seq);
      }
    } else {
      const auto s = body.find('s');
      TornWrite torn;
      if (s == std::string_view::npos || !parse_int(body.substr(0, s), torn.op)) {
        return bad(fmt::format("bad torn part '{}' (t<seq>s<pieces>)", part));
      }
      if (!out.torn.empty() && torn.op <= out.torn.back().op) return bad("torn writes must ascend");
      for (std::string_view r : split(body.substr(s + 1), ',')) {
        PieceRange range;
        if (!parse_range(r, range.first, range.last)) return bad(fmt::format("bad piece range '{}'", r));
        if (!torn.kept.empty() && range.first <= torn.kept.back().last) return bad("piece ranges must ascend");
        torn.kept.push_back(range);
      }
      out.torn.push_back(std::move(torn));
    }
  }
  return Status::ok();
}

}  // namespace crashfs
