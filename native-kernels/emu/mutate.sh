#!/bin/sh
# mutate.sh SPEC.mutant OUT: copies native-kernels/ to OUT and applies the mutant's one textual change
# there (never to the real sources). Prints the path of the family source to compile, relative to OUT.
#
# A .mutant file: '#' comment lines saying which bug it models and what must catch it, then
#   file: <path under native-kernels/ to change>
#   family: <path under native-kernels/ of the .cu to build>
#   <<<<
#   <exact text, one or more lines>
#   ====
#   <replacement>
#   >>>>
# The text must occur exactly once; when a kernel is edited so that it no longer does, this fails and
# names the mutant, whose text must then be updated to the new code.
set -eu
spec=$1 out=$2
file=$(sed -n 's/^file:[[:space:]]*//p' "$spec")
family=$(sed -n 's/^family:[[:space:]]*//p' "$spec")
[ -n "$file" ] && [ -n "$family" ] || { echo "mutate.sh: $spec needs file: and family: lines" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
cp -R native-kernels/. "$out"/
awk -v spec="$spec" '
    FNR == NR {
        if ($0 == "<<<<") { mode = 1; next }
        if ($0 == "====") { mode = 2; next }
        if ($0 == ">>>>") { mode = 0; next }
        if (mode == 1) from = from (nf++ ? "\n" : "") $0
        if (mode == 2) to = to (nt++ ? "\n" : "") $0
        next
    }
    { text = text (FNR > 1 ? "\n" : "") $0 }
    END {
        if (from == "") { print "mutate.sh: " spec " has no <<<< text ====" > "/dev/stderr"; exit 1 }
        count = 0; rest = text
        while ((i = index(rest, from)) > 0) { count++; rest = substr(rest, i + length(from)) }
        if (count != 1) {
            print "mutate.sh: the text of " spec " occurs " count " times in " FILENAME " (must be once): update the mutant to the current kernel" > "/dev/stderr"
            exit 1
        }
        i = index(text, from)
        printf "%s%s%s\n", substr(text, 1, i - 1), to, substr(text, i + length(from)) > (FILENAME ".mutated")
    }' "$spec" "$out/$file"
mv "$out/$file.mutated" "$out/$file"
echo "$family"
