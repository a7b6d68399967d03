#include "analysis/explain_shape.h"

#include <cctype>

namespace crashfs {

std::string fold_instance_words(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (!std::isalnum(static_cast<unsigned char>(s[i]))) {
      out += s[i++];
      continue;
    }
    std::size_t end = i;
    bool digit = false, lower = false, upper_after_first = false;
    for (; end < s.size() && std::isalnum(static_cast<unsigned char>(s[end])); ++end) {
      const auto c = static_cast<unsigned char>(s[end]);
      digit |= std::isdigit(c) != 0;
      lower |= std::islower(c) != 0;
      upper_after_first |= end > i && std::isupper(c) != 0;
    }
    // Random suffixes (mkstemp's [A-Za-z0-9]) mix the cases: "dFQrkI".
    if (digit || (lower && upper_after_first)) out += '#';
    else out.append(s.substr(i, end - i));
    i = end;
  }
  return out;
}

namespace {

std::string_view dir_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}
std::string_view base_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "foo.cpython-311.pyc.14" -> "*.cpython-#.pyc.#"; "HEAD" -> "HEAD".
std::string name_shape(std::string_view name) {
  const auto dot = name.find('.', 1);  // a leading dot belongs to the name
  if (dot == std::string_view::npos) return fold_instance_words(name);
  return "*" + fold_instance_words(name.substr(dot));
}

}  // namespace

std::string path_shape(std::string_view path) {
  if (path.empty()) return {};
  const std::string_view dir = dir_of(path);
  const std::string name = name_shape(base_of(path));
  return dir.empty() ? name : fold_instance_words(dir) + "/" + name;
}

std::string path_role(std::string_view path, std::string_view file) {
  if (!file.empty()) {
    if (path == file) return "<file>";
    if (path.size() > file.size() && path.substr(0, file.size()) == file) return "<file>" + fold_instance_words(path.substr(file.size()));
    const std::string_view dir = dir_of(file);
    if (path == dir || (dir.empty() && (path.empty() || path == "."))) return "<dir>";
    if (dir_of(path) == dir) return "<dir>/" + name_shape(base_of(path));
  }
  return path.empty() ? std::string(".") : path_shape(path);
}

std::string message_shape(std::string_view reason) {
  std::string_view line = reason.substr(0, reason.find('\n'));
  // Quoted and parenthesized parts hold the instance (what was read, which
  // operation): folded to an ellipsis.
  std::string out;
  bool quoted = false;
  int depth = 0;
  for (char c : line) {
    if (c == '"' && depth == 0) {
      quoted = !quoted;
      out += quoted ? "\"…" : "\"";
      continue;
    }
    if (quoted) continue;
    if (c == '(') {
      if (depth++ == 0) out += "(…";
      continue;
    }
    if (c == ')' && depth > 0) {
      if (--depth == 0) out += ')';
      continue;
    }
    if (depth > 0) continue;
    out += c;
  }
  out = fold_instance_words(out);
  if (out.size() > 160) out.resize(160);
  return out;
}

std::string violation_shape(const Violation& v) {
  return v.checker + "|" + v.grade + "|" + (v.path.empty() ? "msg:" + message_shape(v.reason) : path_shape(v.path));
}

}  // namespace crashfs
