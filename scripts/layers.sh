#!/bin/sh
# layers.sh [-x EXCEPTIONS] [ROOT]: prints seam's include graph and fails on an edge the
# layering forbids (docs/design.md, "Architecture").
#
# Layers, lowest first (a folder of src/ is one layer's module group):
#
#   0 core | 1 store | 2 queue http domain auth contract | 3 inbox map connectors | 4 flows
#   5 api ctl | 6 app | 7 main (src/main.c)
#
# A file includes its own folder's headers and those of LOWER layers only: an include of a
# higher layer is an upward edge, one of another folder in the same layer a sideways edge.
# sim/ (the upstream doubles) is not a product layer: it may include core/, http/ and sim/
# only, never a connector or a flow. Modules of src/ (folder/name, a name_int.h counted with
# its module) must not include each other in a cycle. A folder this script does not know is an
# error too, so a new folder gets a layer here before it gets code.
#
# Known exceptions (EXCEPTIONS, default scripts/layers.exceptions, one per line:
# "FILE -> HEADER" for an edge, "cycle A B" for a module cycle, then a reason) are listed and
# tolerated; one that no longer occurs fails too, so the list only shrinks.
#
# Exit: 0 clean, 1 a violation (each printed), 2 usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
exc="$here/layers.exceptions"
if [ "${1:-}" = "-x" ]; then
	[ $# -ge 2 ] || { echo "usage: layers.sh [-x EXCEPTIONS] [ROOT]" >&2; exit 2; }
	exc=$2
	shift 2
fi
root=${1:-$(dirname "$here")}
[ -d "$root/src" ] || { echo "layers.sh: no src/ under $root" >&2; exit 2; }
[ -r "$exc" ] || exc=/dev/null
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# Every quoted include as "FILE HEADER" (paths relative to the root).
(cd "$root" && find src sim -name '*.[ch]' 2>/dev/null | LC_ALL=C sort | while read -r f; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r h; do echo "$f $h"; done
done) >"$tmp/edges"

awk -v exc="$exc" -v out="$tmp" '
function layer(folder) {
	if (folder in L) return L[folder]
	return -1
}
# The folder a path belongs to ("src/queue/queue.c" -> queue, "queue/queue.h" -> queue).
function folder(p,   a, n) {
	n = split(p, a, "/")
	if (a[1] == "src") return (n == 2 ? "main" : a[2])
	if (a[1] == "sim") return "sim"
	return a[1]
}
# The module a path belongs to: folder/name without extension and _int suffix.
function module(p) {
	sub(/^src\//, "", p)
	sub(/\.[ch]$/, "", p)
	sub(/_int$/, "", p)
	return p
}
BEGIN {
	split("core:0 store:1 queue:2 http:2 domain:2 auth:2 contract:2 inbox:3 map:3 connectors:3 flows:4 api:5 ctl:5 app:6 main:7", kv, " ")
	for (i in kv) { split(kv[i], p, ":"); L[p[1]] = p[2] }
	SIMOK["core"] = SIMOK["http"] = SIMOK["sim"] = 1
	while ((getline line < exc) > 0) {
		if (line ~ /^[[:space:]]*(#|$)/) continue
		n = split(line, w, /[[:space:]]+/)
		if (w[1] == "cycle") key = "cycle " w[2] " " w[3]
		else key = w[1] " -> " w[3]
		X[key] = line; order[++nx] = key
	}
	bad = 0
}
{
	file = $1; hdr = $2
	f = folder(file); t = folder(hdr)
	if (hdr !~ /\//) next                     # a system-style local include: none in seam
	mf = module(file); mt = module(hdr)
	if (mf != mt && f != "sim") print mf, mt > (out "/modules")
	if (f != t) G[f " -> " t]++
	key = file " -> " hdr
	why = ""
	if (f == "sim") {
		if (!(t in SIMOK)) why = "sim/ may include core/, http/ and sim/ only"
	} else if (layer(f) < 0) {
		why = "folder " f " has no layer (add it to scripts/layers.sh)"
	} else if (f != t && layer(t) < 0 && t != "sim") {
		why = "folder " t " has no layer (add it to scripts/layers.sh)"
	} else if (f != t && t == "sim") {
		if (f != "main") why = "only main may include sim/"
	} else if (f != t && layer(t) > layer(f)) {
		why = "upward: " f " (layer " layer(f) ") includes " t " (layer " layer(t) ")"
	} else if (f != t && layer(t) == layer(f)) {
		why = "sideways: " f " and " t " are both layer " layer(f)
	}
	if (why == "") next
	if (key in X) { seen[key] = 1; known[++nk] = key "  (" why ")"; next }
	viol[++nv] = key "  (" why ")"
}
END {
	print "layers, lowest first: core | store | queue http domain auth | inbox map connectors | flows | api ctl | app | main"
	print "include graph (folder -> folder: #include lines):"
	n = 0
	for (e in G) edges[++n] = e
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (edges[j] < edges[i]) { t = edges[i]; edges[i] = edges[j]; edges[j] = t }
	for (i = 1; i <= n; i++) printf "  %-28s %d\n", edges[i], G[edges[i]]
	for (i = 1; i <= nk; i++) print "known exception: " known[i]
	for (i = 1; i <= nv; i++) { print "VIOLATION: " viol[i]; bad = 1 }
	for (i = 1; i <= nx; i++) {
		k = order[i]
		if (k ~ /^cycle /) { print k > (out "/cycles_known"); continue }
		if (!(k in seen)) { print "STALE exception (no longer occurs; delete it from the list): " X[k]; bad = 1 }
	}
	exit bad
}' "$tmp/edges"
rc=$?

# Module cycles: tsort names the modules of each loop it finds.
touch "$tmp/modules" "$tmp/cycles_known"
LC_ALL=C sort -u "$tmp/modules" | tsort >/dev/null 2>"$tmp/tsort"
awk '/input contains a loop/ { if (n) print loop; loop = ""; n = 1; next }
     { sub(/^tsort: /, ""); loop = loop (loop == "" ? "" : " ") $0 }
     END { if (n) print loop }' "$tmp/tsort" >"$tmp/loops"
while read -r loop; do
	[ -n "$loop" ] || continue
	sorted=$(echo "$loop" | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
	if grep -qx "cycle $sorted" "$tmp/cycles_known"; then
		echo "known exception: cycle $sorted"
		echo "cycle $sorted" >>"$tmp/cycles_seen"
	else
		echo "VIOLATION: module cycle: $loop"
		rc=1
	fi
done <"$tmp/loops"
touch "$tmp/cycles_seen"
while read -r k; do
	if ! grep -qx "$k" "$tmp/cycles_seen"; then
		echo "STALE exception (no longer occurs; delete it from the list): $(grep "^$k" "$exc")"
		rc=1
	fi
done <"$tmp/cycles_known"

if [ $rc = 0 ]; then echo "layers: ok"; else echo "layers: FAILED (docs/design.md, \"Architecture\")"; fi
exit $rc
