// The inline stylesheet and script of the HTML report (report/report_html.h).
// The page must work offline and from file://: no external resources.
// The script only shows and hides elements already rendered (it never
// builds markup from data), so nothing untrusted reaches it.
#pragma once

namespace crashfs {

inline constexpr const char* kReportCss = R"CSS(
:root { --bad: #c62828; --ok: #2e7d32; --dur: #1565c0; --cause: #ef6c00; --muted: #666; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0 24px 48px; color: #222; }
h1 { font-size: 22px; margin: 18px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
h4 { font-size: 13px; margin: 0 0 4px; }
h3.sub { margin: 14px 0 6px; color: #444; }
code, pre, .timeline td { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.meta { color: var(--muted); margin: 0; }
.meta code { color: #222; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; color: #fff; }
.badge.clean { background: var(--ok); } .badge.violation { background: var(--bad); }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; }
.note { color: var(--muted); }
.group { border: 1px solid #ddd; border-left: 5px solid var(--bad); border-radius: 4px; padding: 10px 14px; margin: 10px 0; }
.kind { text-transform: uppercase; font-size: 11px; font-weight: 700; padding: 1px 6px; border-radius: 3px; color: #fff; margin-right: 6px; }
.kind-atomicity { background: #6a1b9a; } .kind-ordering { background: var(--cause); } .kind-durability { background: var(--dur); }
.group .ops td { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
.fix { padding: 4px 8px; border-radius: 3px; }
.fix.verified { background: #e8f5e9; } .fix.unverified { background: #fff8e1; } .fix.none { background: #f5f5f5; }
.replay code { background: #f4f4f4; padding: 2px 6px; }
button { font: inherit; font-size: 12px; cursor: pointer; }
.needed { color: var(--ok); } .unneeded { color: var(--bad); font-weight: 600; }
.sides { display: flex; gap: 16px; flex-wrap: wrap; }
.pane { flex: 1 1 560px; min-width: 0; border: 1px solid #ddd; border-radius: 4px; padding: 8px; }
.pane.state h4 { color: var(--bad); } .pane.written h4 { color: var(--ok); }
pre.hex { margin: 4px 0; overflow-x: auto; line-height: 1.35; }
pre.hex .off { color: var(--muted); }
.d { background: #ffcdd2; color: #b71c1c; }
.v { outline: 2px solid #b71c1c; outline-offset: -1px; }
.e { color: #bbb; }
.absent { color: var(--bad); font-weight: 600; }
.prov { margin: 4px 0; padding-left: 18px; font-size: 12px; color: #444; }
.error { color: var(--bad); }
.strip { position: relative; height: 22px; background: #f4f4f4; border: 1px solid #ddd; margin: 6px 0; }
.tick { position: absolute; top: 0; bottom: 0; width: 2px; }
.tick.dur { background: var(--dur); top: 11px; } .tick.cause { background: var(--cause); } .tick.crash { background: var(--bad); bottom: 11px; }
.legend .key { padding: 0 6px; border-left: 6px solid; margin-right: 10px; }
.key.dur { border-color: var(--dur); } .key.crash { border-color: var(--bad); } .key.cause { border-color: var(--cause); }
.timeline tr.dur td { background: #e3f2fd; }
.timeline tr.cause td { background: #fff3e0; }
.timeline tr.crash td:first-child { border-left: 6px solid var(--bad); font-weight: 700; }
.timeline tr.gap td { color: var(--muted); text-align: center; font-style: italic; background: #fafafa; }
.timeline td.never { color: var(--bad); }
.timeline tr:target td { outline: 2px solid var(--cause); }
.capped { color: var(--cause); }
)CSS";

inline constexpr const char* kReportJs = R"JS(
(function () {
  var select = document.getElementById('case-select');
  function show(index) {
    document.querySelectorAll('#bytes .case').forEach(function (c) {
      c.hidden = c.getAttribute('data-case') !== String(index);
    });
    if (select) select.value = String(index);
  }
  if (select) select.addEventListener('change', function () { show(select.value); });
  // A link to "report.html#case-2" opens with that violation's bytes shown.
  var wanted = /^#case-(\d+)$/.exec(window.location.hash);
  if (wanted && document.getElementById('case-' + wanted[1])) show(wanted[1]);
  document.querySelectorAll('button[data-show-case]').forEach(function (b) {
    b.addEventListener('click', function () {
      show(b.getAttribute('data-show-case'));
      document.getElementById('bytes').scrollIntoView();
    });
  });
  var filter = document.getElementById('timeline-filter');
  if (filter) filter.addEventListener('input', function () {
    var needle = filter.value.toLowerCase();
    document.querySelectorAll('.timeline tbody tr').forEach(function (row) {
      row.hidden = needle !== '' && row.textContent.toLowerCase().indexOf(needle) < 0;
    });
  });
})();
)JS";

}  // namespace crashfs
