// What `crashfs record` writes into the trace: operation order, threads,
// pre-images, node identity, marks, and the trace hiding itself.
#include <fcntl.h>
#include <sys/xattr.h>

#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

using namespace crashfs;
using namespace crashfs::test;

namespace {

RunOptions python_options(const std::string& cwd) {
  RunOptions opt;
  opt.cwd = cwd;
  opt.unset_env = {"PYTHONDONTWRITEBYTECODE"};  // the workload must write its .pyc
  return opt;
}

const Record* find_first(const Trace& t, RecordType type, NodeId node) {
  for (const Record& r : t.records)
    if (r.type == type && r.node == node) return &r;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(py_compile_trace_shows_exclusive_create_write_release_rename_and_no_fsync) {
  TempDir dir;
  write_file(dir / "m.py", "x = 1\ndef f():\n    return x\n");
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace, {"python3", "-c", "import py_compile; py_compile.compile('m.py')"},
                             {}, python_options(dir.path()));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  BOOST_REQUIRE_MESSAGE(t.status.is_ok(), t.status.message());
  const std::string text = t.text();

  const std::regex temp_name(R"(m\.cpython-3\d+\.pyc\.\d+)");
  const Record* create = nullptr;
  for (const Record& rec : t.records) {
    if (rec.type == RecordType::kCreate && std::regex_match(std::string(rec.name), temp_name)) create = &rec;
  }
  BOOST_REQUIRE_MESSAGE(create != nullptr, "no create of __pycache__/m.cpython-3XX.pyc.NNN in\n" << text);
  BOOST_TEST((create->flags & O_EXCL) != 0u, "the temporary pyc is not created with O_EXCL:\n" << text);
  BOOST_TEST((create->flags & O_CREAT) != 0u);

  const NodeId temp = create->node;
  std::vector<const Record*> writes;
  for (const Record& rec : t.records)
    if (rec.type == RecordType::kWrite && rec.node == temp) writes.push_back(&rec);
  BOOST_REQUIRE_MESSAGE(!writes.empty(), "no write to the temporary pyc:\n" << text);
  const Record* release = find_first(t, RecordType::kRelease, temp);
  const Record* rename = find_first(t, RecordType::kRename, temp);
  BOOST_REQUIRE_MESSAGE(release != nullptr, "no release of the temporary pyc:\n" << text);
  BOOST_REQUIRE_MESSAGE(rename != nullptr, "no rename of the temporary pyc:\n" << text);
  BOOST_TEST(std::regex_match(std::string(rename->new_name), std::regex(R"(m\.cpython-3\d+\.pyc)")), text);
  BOOST_TEST(rename->parent == create->parent);
  BOOST_TEST(rename->new_parent == create->parent);

  BOOST_TEST(create->seq < writes.front()->seq, text);
  BOOST_TEST(writes.back()->seq < release->seq, text);
  BOOST_TEST(release->seq < rename->seq, text);
  BOOST_TEST(t.of_type(RecordType::kFsync).empty(), text);
  BOOST_TEST(t.of_type(RecordType::kFdatasync).empty(), text);
  BOOST_TEST(t.of_type(RecordType::kFsyncdir).empty(), text);

  // The written bytes are the pyc that ended up on disk.
  std::string written;
  for (const Record* w : writes) {
    BOOST_TEST(w->offset == written.size());
    written += w->data;
  }
  const std::string pyc_path = dir.path() + "/__pycache__/" + std::string(rename->new_name);
  BOOST_TEST(written == read_file(pyc_path));
}

BOOST_AUTO_TEST_CASE(trace_starts_with_session_then_root_known_and_names_processes) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace, {"sh", "-c", "echo hi > a.txt"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  BOOST_REQUIRE(t.status.is_ok());
  BOOST_REQUIRE_GE(t.records.size(), 4u);
  BOOST_TEST(static_cast<int>(t.records[0].type) == static_cast<int>(RecordType::kSession));
  const auto session = nlohmann::json::parse(t.records[0].data);
  BOOST_TEST(session["dir"].get<std::string>() == dir.path());
  BOOST_TEST(session["command"] == nlohmann::json({"sh", "-c", "echo hi > a.txt"}));
  BOOST_TEST(session["crashfs"].get<std::string>() == "0.1.0");
  BOOST_TEST(static_cast<int>(t.records[1].type) == static_cast<int>(RecordType::kKnown));
  BOOST_TEST(t.records[1].node == kRootNode);
  BOOST_TEST(t.records[1].parent == 0u);
  BOOST_TEST(static_cast<int>(t.records[1].kind) == static_cast<int>(NodeKind::kDirectory));

  // Sequence numbers start at 1 and increase by one.
  for (std::size_t i = 0; i < t.records.size(); ++i) BOOST_TEST(t.records[i].seq == i + 1);

  // The create comes from a process announced by a ProcessInfo record named "sh".
  std::map<std::uint32_t, std::string> comm;
  bool checked = false;
  for (const Record& rec : t.records) {
    if (rec.type == RecordType::kProcessInfo) comm[rec.pid] = std::string(rec.data);
    if (rec.type == RecordType::kCreate && rec.name == "a.txt") {
      BOOST_TEST(comm.count(rec.pid) == 1u, "no ProcessInfo before the create:\n" << t.text());
      BOOST_TEST(comm[rec.pid] == "sh");
      BOOST_TEST(rec.tid != 0u);
      checked = true;
    }
  }
  BOOST_TEST(checked, t.text());
}

BOOST_AUTO_TEST_CASE(an_exec_renames_the_process_in_the_trace_at_once) {
  // The shell writes a.txt, then execs dd under the same pid at once: the
  // write to b.bin must carry dd's name, not the shell's.
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace,
                             {"sh", "-c", "echo hi > a.txt; exec dd if=/dev/zero of=b.bin bs=8 count=1 status=none"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  BOOST_REQUIRE(t.status.is_ok());
  std::map<std::uint32_t, std::string> comm;
  std::map<std::string, std::string> writer_of;
  std::map<std::string, std::uint32_t> pid_of;
  std::map<NodeId, std::string> name_of;
  for (const Record& rec : t.records) {
    if (rec.type == RecordType::kProcessInfo) comm[rec.pid] = std::string(rec.data);
    if (rec.type == RecordType::kCreate) name_of[rec.node] = std::string(rec.name);
    if (rec.type == RecordType::kWrite && name_of.count(rec.node) == 1) {
      writer_of[name_of[rec.node]] = comm[rec.pid];
      pid_of[name_of[rec.node]] = rec.pid;
    }
  }
  BOOST_TEST(writer_of["a.txt"] == "sh", t.text());
  BOOST_TEST(writer_of["b.bin"] == "dd", t.text());
  BOOST_TEST(pid_of["a.txt"] == pid_of["b.bin"], "the exec keeps the pid:\n" << t.text());
}

BOOST_AUTO_TEST_CASE(eight_threads_every_write_appears_exactly_once_in_increasing_seq) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const int threads = 8;
  const int writes = 150;
  const RunResult r = record(dir.path(), trace, {workload("mt_writer"), std::to_string(threads), std::to_string(writes)});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  BOOST_REQUIRE(t.status.is_ok());

  for (std::size_t i = 1; i < t.records.size(); ++i) BOOST_TEST_REQUIRE(t.records[i - 1].seq < t.records[i].seq);

  // node -> name, from the create records.
  std::map<NodeId, std::string> names;
  for (const Record& rec : t.records)
    if (rec.type == RecordType::kCreate) names[rec.node] = std::string(rec.name);
  // (file, tid) -> the bytes that thread's writes carried, in trace order.
  // The kernel may cut a write(2) in two at a page boundary (the records
  // are then consecutive), so the check is on bytes, not on record count.
  std::map<std::pair<std::string, std::uint32_t>, std::string> bytes;
  std::map<std::uint32_t, int> thread_of_tid;
  std::uint64_t shared_end = 0;
  for (const Record& rec : t.records) {
    if (rec.type != RecordType::kWrite) continue;
    const std::string& file = names[rec.node];
    bytes[{file, rec.tid}] += rec.data;
    if (file == "shared.log") {
      // O_APPEND: each append lands at the end of what was recorded before it.
      BOOST_TEST(rec.offset == shared_end);
      shared_end += rec.data.size();
    }
    if (file.rfind("thread-", 0) == 0) thread_of_tid[rec.tid] = std::stoi(file.substr(7, 2));
  }
  BOOST_TEST_REQUIRE(thread_of_tid.size() == static_cast<std::size_t>(threads), t.text());
  for (const auto& [tid, th] : thread_of_tid) {
    std::string expected;
    char line[32];
    for (int i = 0; i < writes; ++i) {
      std::snprintf(line, sizeof line, "t%02d w%06d\n", th, i);
      expected += line;
    }
    char own[32];
    std::snprintf(own, sizeof own, "thread-%02d.log", th);
    for (const std::string& file : {std::string("shared.log"), std::string("slots.dat"), std::string(own)}) {
      BOOST_TEST((bytes[{file, tid}] == expected), "thread " << th << ": the writes to " << file
                                                            << " in the trace are not exactly its lines, in order");
    }
  }
  // Nothing else was written.
  std::size_t total = 0;
  for (const auto& [key, b] : bytes) total += b.size();
  BOOST_TEST(total == static_cast<std::size_t>(3 * threads * writes * 12));
  BOOST_TEST(read_file(dir / "shared.log").size() == shared_end);
}

BOOST_AUTO_TEST_CASE(preexisting_files_get_their_original_bytes_as_preimages) {
  TempDir dir;
  const std::string big(5 * 1024 * 1024 + 123, 'B');  // more than one 4 MiB chunk
  write_file(dir / "overwritten.txt", "original overwritten\n");
  write_file(dir / "truncated.txt", "original truncated\n");
  write_file(dir / "unlinked.txt", "original unlinked\n");
  write_file(dir / "renamed_over.txt", "original victim\n");
  write_file(dir / "empty.txt", "");
  write_file(dir / "big.bin", big);
  write_file(dir / "untouched.txt", "never changed\n");
  write_file(dir / "read_only.txt", "only read\n");
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(
      dir.path(), trace,
      {"sh", "-c",
       "printf new > overwritten.txt; printf x >> overwritten.txt; truncate -s 3 truncated.txt; rm unlinked.txt; "
       "echo replacement > new.txt; mv new.txt renamed_over.txt; echo y >> empty.txt; "
       "printf Z | dd of=big.bin bs=1 seek=10 conv=notrunc 2>/dev/null; cat read_only.txt > /dev/null; "
       "ls -l > /dev/null"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  BOOST_REQUIRE(t.status.is_ok());
  const std::string text = t.text();

  std::map<std::string, NodeId> known;  // name -> node, for entries of the root
  for (const Record& rec : t.records)
    if (rec.type == RecordType::kKnown && rec.parent == kRootNode) known[std::string(rec.name)] = rec.node;
  std::map<NodeId, std::string> preimage;
  std::map<NodeId, int> preimage_records;
  std::map<NodeId, Seq> first_preimage_seq;
  for (const Record& rec : t.records) {
    if (rec.type != RecordType::kPreImage) continue;
    BOOST_TEST(rec.offset == preimage[rec.node].size(), "pre-image chunks out of order");
    preimage[rec.node] += rec.data;
    ++preimage_records[rec.node];
    first_preimage_seq.emplace(rec.node, rec.seq);
  }
  const std::map<std::string, std::string> expected = {
      {"overwritten.txt", "original overwritten\n"}, {"truncated.txt", "original truncated\n"},
      {"unlinked.txt", "original unlinked\n"},       {"renamed_over.txt", "original victim\n"},
      {"empty.txt", ""},                             {"big.bin", big}};
  for (const auto& [name, bytes] : expected) {
    BOOST_TEST_REQUIRE(known.count(name) == 1u, "no Known record for " << name << "\n" << text);
    const NodeId node = known[name];
    BOOST_TEST_REQUIRE(preimage_records.count(node) == 1u, "no pre-image of " << name << "\n" << text);
    BOOST_TEST(preimage[node] == bytes, "wrong pre-image bytes for " << name);
    // Before the first record that changes it.
    for (const Record& rec : t.records) {
      const bool changes = (rec.node == node && (rec.type == RecordType::kWrite || rec.type == RecordType::kTruncate ||
                                                 rec.type == RecordType::kUnlink)) ||
                           (rec.type == RecordType::kRename && rec.victim == node);
      if (changes) {
        BOOST_TEST(first_preimage_seq[node] < rec.seq, name << ": pre-image after a change");
        break;
      }
    }
  }
  BOOST_TEST(preimage_records[known["big.bin"]] == 2, "a 5 MiB pre-image is two chunks");
  BOOST_TEST(preimage_records[known["empty.txt"]] == 1, "an empty file has one empty pre-image");
  // Files only read (or never looked at) are not copied.
  if (known.count("read_only.txt")) BOOST_TEST(preimage_records.count(known["read_only.txt"]) == 0u);
  if (known.count("untouched.txt")) BOOST_TEST(preimage_records.count(known["untouched.txt"]) == 0u);
  // The rename names its victim.
  bool rename_seen = false;
  for (const Record& rec : t.records) {
    if (rec.type == RecordType::kRename && rec.new_name == "renamed_over.txt") {
      BOOST_TEST(rec.victim == known["renamed_over.txt"]);
      rename_seen = true;
    }
  }
  BOOST_TEST(rename_seen, text);
}

BOOST_AUTO_TEST_CASE(hard_links_renames_of_open_files_and_unlinked_open_files_keep_one_node) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  // Python keeps descriptors open across the renames and the unlink.
  const std::string script = R"(
import os
fd = os.open('a', os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b'1')
os.link('a', 'b')
os.rename('a', 'c')
os.write(fd, b'2')
os.unlink('c')
os.unlink('b')
os.write(fd, b'3')
os.close(fd)
)";
  const RunResult r = record(dir.path(), trace, {"python3", "-c", script}, {}, python_options(dir.path()));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  BOOST_REQUIRE(t.status.is_ok());
  const std::string text = t.text();
  const auto creates = t.of_type(RecordType::kCreate);
  BOOST_REQUIRE_EQUAL(creates.size(), 1u);
  const NodeId a = creates[0]->node;
  BOOST_TEST(a != kRootNode);
  for (const Record* w : t.of_type(RecordType::kWrite)) BOOST_TEST(w->node == a, text);
  BOOST_TEST(t.of_type(RecordType::kWrite).size() == 3u, text);
  BOOST_REQUIRE_EQUAL(t.of_type(RecordType::kLink).size(), 1u);
  BOOST_TEST(t.of_type(RecordType::kLink)[0]->node == a);
  BOOST_TEST(t.of_type(RecordType::kRename)[0]->node == a);
  for (const Record* u : t.of_type(RecordType::kUnlink)) BOOST_TEST(u->node == a, text);
  BOOST_TEST(t.of_type(RecordType::kRelease).size() == 1u);
}

BOOST_AUTO_TEST_CASE(created_nodes_get_fresh_ids_even_when_inode_numbers_are_reused) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace,
                             {"sh", "-c", "for i in 1 2 3 4 5 6; do echo $i > f; rm f; done; mkdir d; rmdir d; mkdir d"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  std::set<NodeId> ids;
  std::size_t made = 0;
  for (const Record& rec : t.records) {
    if (rec.type == RecordType::kCreate || rec.type == RecordType::kMkdir) {
      ids.insert(rec.node);
      ++made;
    }
  }
  BOOST_TEST(made == 8u, t.text());
  BOOST_TEST(ids.size() == made, "a node id was reused:\n" << t.text());
}

BOOST_AUTO_TEST_CASE(sync_flags_truncate_by_open_and_fsyncs_are_recorded_but_not_paid) {
  TempDir dir;
  write_file(dir / "existing", "0123456789");
  const std::string trace = dir / "crashfs.trace";
  const std::string script = R"(
import os
fd = os.open('s', os.O_WRONLY | os.O_CREAT | os.O_SYNC, 0o644); os.write(fd, b's'); os.close(fd)
fd = os.open('d', os.O_WRONLY | os.O_CREAT | os.O_DSYNC, 0o644); os.write(fd, b'd'); os.fdatasync(fd); os.close(fd)
fd = os.open('existing', os.O_WRONLY | os.O_TRUNC | os.O_CREAT); os.write(fd, b'new'); os.fsync(fd); os.close(fd)
dfd = os.open('.', os.O_RDONLY); os.fsync(dfd); os.close(dfd)
)";
  const RunResult r = record(dir.path(), trace, {"python3", "-c", script}, {}, python_options(dir.path()));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  const std::string text = t.text();
  std::map<std::string, NodeId> node_of;
  for (const Record& rec : t.records)
    if (rec.type == RecordType::kCreate || rec.type == RecordType::kKnown) node_of[std::string(rec.name)] = rec.node;
  for (const Record* w : t.of_type(RecordType::kWrite)) {
    if (w->node == node_of["s"]) BOOST_TEST(w->flags == kWriteSynced);
    if (w->node == node_of["d"]) BOOST_TEST(w->flags == kWriteDsynced);
    if (w->node == node_of["existing"]) BOOST_TEST(w->flags == 0u);
  }
  // O_CREAT on an existing file is an Open, plus a Truncate caused by O_TRUNC.
  const auto opens = t.of_type(RecordType::kOpen);
  BOOST_REQUIRE_EQUAL(opens.size(), 1u);
  BOOST_TEST(opens[0]->node == node_of["existing"]);
  BOOST_TEST((opens[0]->flags & O_TRUNC) != 0u);
  const auto truncs = t.of_type(RecordType::kTruncate);
  BOOST_REQUIRE_EQUAL(truncs.size(), 1u);
  BOOST_TEST(truncs[0]->flags == kTruncateByOpen);
  BOOST_TEST(truncs[0]->length == 0u);
  BOOST_TEST(truncs[0]->fh == opens[0]->fh);
  BOOST_TEST(t.of_type(RecordType::kFdatasync).size() == 1u, text);
  BOOST_TEST(t.of_type(RecordType::kFsync).size() == 1u, text);
  BOOST_REQUIRE_EQUAL(t.of_type(RecordType::kFsyncdir).size(), 1u);
  BOOST_TEST(t.of_type(RecordType::kFsyncdir)[0]->node == kRootNode);
  BOOST_TEST(read_file(dir / "existing") == "new");
}

BOOST_AUTO_TEST_CASE(mark_xattr_becomes_a_mark_record_and_is_not_stored) {
  TempDir dir;
  write_file(dir / "f", "x");
  const std::string trace = dir / "crashfs.trace";
  const std::string script =
      "import os; os.setxattr('f', 'user.crashfs.mark', b'before'); open('g', 'w').write('y'); "
      "os.setxattr('.', 'user.crashfs.mark', b'after'); os.setxattr('f', 'user.other', b'kept')";
  const RunResult r = record(dir.path(), trace, {"python3", "-c", script}, {}, python_options(dir.path()));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  const auto marks = t.of_type(RecordType::kMark);
  BOOST_REQUIRE_EQUAL(marks.size(), 2u);
  BOOST_TEST(marks[0]->data == "before");
  BOOST_TEST(marks[1]->data == "after");
  const auto creates = t.of_type(RecordType::kCreate);
  BOOST_REQUIRE_EQUAL(creates.size(), 1u);
  BOOST_TEST(marks[0]->seq < creates[0]->seq);
  BOOST_TEST(creates[0]->seq < marks[1]->seq);
  const auto setx = t.of_type(RecordType::kSetXattr);
  BOOST_REQUIRE_EQUAL(setx.size(), 1u);
  BOOST_TEST(setx[0]->name == "user.other");
  BOOST_TEST(setx[0]->data == "kept");
  char value[64];
  BOOST_TEST(getxattr((dir / "f").c_str(), "user.crashfs.mark", value, sizeof value) < 0);
  BOOST_TEST(getxattr((dir / "f").c_str(), "user.other", value, sizeof value) == 4);
}

BOOST_AUTO_TEST_CASE(trace_inside_the_directory_is_invisible_and_never_records_itself) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace,
                             {"sh", "-c",
                              "ls -a; test ! -e crashfs.trace || exit 7; echo x > crashfs.trace && exit 8; "
                              "echo ok > other; mv other crashfs.trace 2>/dev/null && exit 9; "
                              "exit 0"});
  BOOST_TEST(r.out.find("crashfs.trace") == std::string::npos, r.describe());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const Trace t = read_trace(trace);
  BOOST_REQUIRE_MESSAGE(t.status.is_ok(), t.status.message());
  BOOST_TEST(t.torn_tail_bytes == 0u);
  for (const Record& rec : t.records) BOOST_TEST(rec.name != "crashfs.trace", t.text());
}
