#!/usr/bin/env bash
# libtern as an installed library: a scratch build configured with
# -Dtests=false while pkg-config cannot see cmocka or googletest, `meson
# install` into a temporary prefix (libtern.so, libtern.a, tern.h alone, and
# tern.pc), then app/examples/hello.c built out of the tree with
# `pkg-config --cflags --libs tern` against the shared library, and against
# the static one, each run with --help (no root, no EAL needed).
# The scratch build compiles the library and the programs once without
# optimisation (about a minute on two cores).
# run.sh timeout: 600 s
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/tern-install.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/prefix

fail() {
	echo "FAIL: $*"
	[ -s "$WORK/log" ] && tail -n 30 "$WORK/log" | sed 's/^/  | /'
	exit 1
}

# A pkg-config path with every .pc file the system has but cmocka's and
# googletest's: -Dtests=false must configure and build without them.
mkdir "$WORK/pc"
IFS=: read -r -a dirs <<<"$(pkg-config --variable pc_path pkg-config)"
for d in "${dirs[@]}"; do
	for pc in "$d"/*.pc; do
		[ -e "$pc" ] || continue
		case $(basename "$pc") in
		cmocka* | gtest* | gmock*) ;;
		*) ln -sf "$pc" "$WORK/pc/" ;;
		esac
	done
done
PKG_CONFIG_LIBDIR=$WORK/pc pkg-config --exists cmocka && fail "cmocka still visible to pkg-config"
PKG_CONFIG_LIBDIR=$WORK/pc pkg-config --exists libdpdk || fail "libdpdk not visible to pkg-config"

start=$(date +%s)
PKG_CONFIG_LIBDIR=$WORK/pc meson setup "$WORK/build" "$SRC" --prefix "$PREFIX" --libdir lib \
	--buildtype=plain -Dtests=false >"$WORK/log" 2>&1 || fail "meson setup -Dtests=false failed"
grep -qiE "cmocka|gtest" "$WORK/log" && fail "the configuration looked for cmocka or googletest"
nice ninja -C "$WORK/build" -j2 >"$WORK/log" 2>&1 || fail "the -Dtests=false build failed"
meson install -C "$WORK/build" --no-rebuild >"$WORK/log" 2>&1 || fail "meson install failed"
echo "  -Dtests=false without cmocka/googletest: configured, built and installed in $(($(date +%s) - start)) s"

for f in include/tern.h lib/libtern.so lib/libtern.a lib/pkgconfig/tern.pc; do
	[ -e "$PREFIX/$f" ] || fail "$f is not installed"
done
headers=$(cd "$PREFIX/include" && find . -type f | sort | tr '\n' ' ')
[ "$headers" = "./tern.h " ] || fail "installed headers are '$headers', expected tern.h alone"
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
grep -q "^Requires: libdpdk" "$PREFIX/lib/pkgconfig/tern.pc" || fail "tern.pc does not require libdpdk"
echo "  installed: $(cd "$PREFIX" && find include lib -maxdepth 1 -type f -o -maxdepth 1 -type l | sort | tr '\n' ' ')"
# Only the public API leaves the shared library.
others=$(nm -D --defined-only "$PREFIX/lib/libtern.so" | awk '$2 ~ /[TDB]/ && $3 !~ /^tern_/ { print $3 }')
[ -z "$others" ] || fail "libtern.so exports more than tern_*: $(echo $others | head -c 200)"

# Out of the tree: hello.c alone in a directory of its own.
cp "$SRC/app/examples/hello.c" "$WORK/hello.c"
cd "$WORK" || fail "cannot enter $WORK"
# shellcheck disable=SC2046 # pkg-config's words are meant to split
cc -o hello hello.c $(pkg-config --cflags --libs tern) >"$WORK/log" 2>&1 ||
	fail "cc hello.c \$(pkg-config --cflags --libs tern) failed"
LD_LIBRARY_PATH=$PREFIX/lib ldd ./hello | grep -q "libtern.so.0 => $PREFIX/lib/libtern.so.0" ||
	fail "hello is not linked with the installed libtern.so"
out=$(LD_LIBRARY_PATH=$PREFIX/lib ./hello --help 2>&1) || fail "hello --help failed: $out"
echo "$out" | grep -q "^usage: tern-hello" || fail "hello --help printed: $out"
echo "  hello.c with pkg-config --cflags --libs tern (libtern.so): $(echo "$out" | head -n 1)"
# The static library, with what tern.pc names (its private requirements too).
# shellcheck disable=SC2046
cc -o hello-static hello.c $(pkg-config --cflags tern) "$PREFIX/lib/libtern.a" \
	$(pkg-config --libs libdpdk numa libsodium) -pthread >"$WORK/log" 2>&1 ||
	fail "cc hello.c with libtern.a failed"
ldd ./hello-static | grep -q libtern && fail "hello-static still loads libtern.so"
out=$(./hello-static --help 2>&1) || fail "hello-static --help failed: $out"
echo "$out" | grep -q "^usage: tern-hello" || fail "hello-static --help printed: $out"
echo "  hello.c with libtern.a: $(echo "$out" | head -n 1)"
echo "PASS"
