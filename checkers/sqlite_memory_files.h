// MemoryFiles: the files one SQLite connection sees in a crash state, held
// in memory (sqlite_memory_vfs.h serves them to libsqlite3).
//
// Names are absolute, as SQLite uses them: the state's regular files appear
// under `root` (the state path "a/x.db" is root + "/a/x.db"); nothing else
// exists until SQLite creates it.  A name is resolved in the state once, at
// its first use, and from then on this object answers for it: SQLite's own
// recovery (rolling a hot journal back writes the database, truncates it and
// deletes the journal; a WAL database gets a -wal made) changes these
// files, never the state.
//
// Copy on write: a file read from the state shares the state's bytes
// (StateView::content(): the explorer's rope, O(1), immutable); it is copied
// whole the first time SQLite writes or truncates it.
//
// Consulted files: the identities (absent, a file with this content, or
// something else) of the state paths resolved here besides the `keyed` ones
// given at construction (the database and its -journal and -wal, which a
// cache keys on anyway).  A SQLite reader may look further: a hot journal
// written by a multi-database transaction names its super-journal by its
// absolute path, and whether that file exists decides whether the journal
// is rolled back.  A result computed here holds for another state as long
// as the keyed files have the same content and consulted() answers the same
// there (identify()).
//
// Not thread-safe: one connection, on one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/content_hash.h"
#include "core/state_view.h"

namespace crashfs {

// What a state holds at a path, as SQLite could tell.
struct FileIdentity {
  enum class Kind : std::uint8_t { kAbsent, kFile, kOther };  // kOther: a directory, a symlink, ...
  Kind kind = Kind::kAbsent;
  ContentHash hash;  // of a kFile's content
  bool operator==(const FileIdentity&) const = default;
};

FileIdentity identify(const StateView& state, std::string_view path);

// One file's bytes: the state's content until the first write, then a copy.
class MemoryFile {
 public:
  MemoryFile() = default;  // a new, empty file
  explicit MemoryFile(std::shared_ptr<const FileContent> shared) : shared_(std::move(shared)) {}

  std::uint64_t size() const { return shared_ ? shared_->size() : own_.size(); }
  // Copies the bytes [offset, offset + n) that exist to `out`; returns how many.
  std::size_t read(std::uint64_t offset, std::size_t n, char* out) const;
  // Writes `n` bytes at `offset`; a gap past the end reads as zeros.
  void write(std::uint64_t offset, const char* data, std::size_t n);
  // Cuts or extends (with zeros) the file to `size`.
  void truncate(std::uint64_t size);
  // True once SQLite has changed it (it no longer shares the state's bytes).
  bool copied() const { return !shared_; }

 private:
  void copy();

  std::shared_ptr<const FileContent> shared_;  // null: own_ holds the bytes
  std::string own_;
  mutable std::string buffer_;  // reads from shared_ land here first
};

class MemoryFiles {
 public:
  struct Consulted {
    std::string path;  // state path
    FileIdentity identity;
  };

  // `state` must outlive every use.  `root`: an absolute directory without
  // a trailing slash ("" for "/").  `keyed`: state paths left out of
  // consulted().
  MemoryFiles(const StateView& state, std::string root, std::vector<std::string> keyed);

  const std::string& root() const { return root_; }
  // The absolute name of the state path `path`.
  std::string name_of(std::string_view path) const { return root_ + "/" + std::string(path); }

  // What is at `name` now: nothing (nullopt), a file (non-null), or
  // something else that exists but is not a regular file (null).
  std::optional<std::shared_ptr<MemoryFile>> find(std::string_view name);
  // A new empty file at `name` (replacing what was there).
  std::shared_ptr<MemoryFile> create(std::string_view name);
  // Removes `name` (open handles keep their file); false if nothing was there.
  bool remove(std::string_view name);

  const std::vector<Consulted>& consulted() const { return consulted_; }

 private:
  struct Slot {
    bool exists = false;
    std::shared_ptr<MemoryFile> file;  // null for something other than a file
  };
  // The state path behind `name`, if `name` lies under the root.
  std::optional<std::string> state_path(std::string_view name) const;
  Slot& slot(std::string_view name);

  const StateView& state_;
  std::string root_;
  std::vector<std::string> keyed_;
  std::map<std::string, Slot, std::less<>> names_;
  std::vector<Consulted> consulted_;
};

}  // namespace crashfs
