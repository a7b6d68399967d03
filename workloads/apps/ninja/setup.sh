#!/usr/bin/env bash
# Writes a C project of N sources into the current directory (before
# recording): src/fI.c includes src/common.h and its own src/fI.h; main.c
# calls every fI(); build.ninja compiles each with `deps = gcc` (gcc -MD
# writes a depfile, ninja moves it into .ninja_deps) and links `app`.
#   setup.sh N
set -euo pipefail
n=$1
mkdir -p src
printf '#define SCALE 3\n' > src/common.h
: > src/main.c
for i in $(seq 1 "$n"); do
  printf '#include "common.h"\n#define OFFSET_%d %d\n' "$i" "$i" > "src/f$i.h"
  {
    printf '#include "f%d.h"\nint f%d(int x) {\n  int s = OFFSET_%d;\n' "$i" "$i" "$i"
    for j in $(seq 1 $((20 + i * 7 % 40))); do printf '  s = s * SCALE + x * %d + (s >> %d);\n' "$j" $((j % 5 + 1)); done
    printf '  return s;\n}\n'
  } > "src/f$i.c"
  printf 'int f%d(int);\n' "$i" >> src/main.c
done
{
  printf '#include <stdio.h>\nint main(void) {\n  long t = 0;\n'
  for i in $(seq 1 "$n"); do printf '  t += f%d(%d);\n' "$i" "$i"; done
  printf '  printf("%%ld\\n", t);\n  return 0;\n}\n'
} >> src/main.c
{
  printf 'rule cc\n  command = gcc -O1 -MD -MF $out.d -c $in -o $out\n  deps = gcc\n  depfile = $out.d\n  description = CC $out\n'
  printf 'rule link\n  command = gcc $in -o $out\n  description = LINK $out\n'
  objs=""
  for i in $(seq 1 "$n"); do printf 'build obj/f%d.o: cc src/f%d.c\n' "$i" "$i"; objs="$objs obj/f$i.o"; done
  printf 'build obj/main.o: cc src/main.c\n'
  printf 'build app: link obj/main.o%s\n' "$objs"
} > build.ninja
