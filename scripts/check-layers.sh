#!/usr/bin/env bash
# Checks the layering of the sources (README, Layout): every
# `#include "FOLDER/..."` in a library folder names a folder that library
# may use, and no include climbs out of its folder by a relative path.
#
#   scripts/check-layers.sh [ROOT]     (default: the repository)
#
# Prints each offending line as FILE:LINE: what is wrong, and exits 1 if
# there is one.  The build enforces the same rule through include roots
# (crashfs_layer in CMakeLists.txt); this check also sees what a build
# would not (a relative include, a header no source compiles yet).
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}

# What each folder may include (its own folder first).  Keep in step with
# the target_link_libraries of each folder's CMakeLists.txt.
declare -A allowed=(
  [core]="core"
  [checkers]="checkers core"
  [analysis]="analysis checkers core"
  [report]="report analysis checkers core"
  [fusefs]="fusefs core"
  [host]="host fusefs checkers core"
  [cli]="cli report analysis host fusefs checkers core"
)
layers="${!allowed[*]}"

bad=0
for folder in $layers; do
  [ -d "$root/$folder" ] || { echo "$root/$folder: missing layer folder"; bad=1; continue; }
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
    target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<<"$text")
    rel=${file#"$root"/}
    case $target in
      ../*|*/../*) echo "$rel:$line: relative include \"$target\" leaves the folder; include \"FOLDER/file.h\""; bad=1; continue ;;
      */*) ;;
      *) echo "$rel:$line: include \"$target\" without its folder; write \"$folder/$target\""; bad=1; continue ;;
    esac
    dep=${target%%/*}
    if [ -z "${allowed[$dep]+x}" ]; then
      echo "$rel:$line: \"$target\" is not in a layer folder ($layers)"; bad=1
    elif ! grep -qw -- "$dep" <<<"${allowed[$folder]}"; then
      echo "$rel:$line: $folder/ may not include $dep/ (\"$target\"); $folder/ may use: ${allowed[$folder]}"; bad=1
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' --include='*.h' --include='*.cpp' --include='*.hpp' \
             "$root/$folder" || true)
done
# A folder of sources that is not in the table has no rule: say so.
for dir in "$root"/*/; do
  name=$(basename "$dir")
  case " $layers workloads scripts tests " in *" $name "*) continue ;; esac
  if compgen -G "$dir*.cpp" >/dev/null || compgen -G "$dir*.h" >/dev/null; then
    echo "$name/: a folder of sources with no layering rule: add it to scripts/check-layers.sh and the README"; bad=1
  fi
done
[ "$bad" -eq 0 ] && echo "layers: every include follows cli -> report -> analysis -> checkers -> core (fusefs, host beside)"
exit "$bad"
