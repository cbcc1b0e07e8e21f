#!/usr/bin/env bash
# Installs promlet with `cmake --install` into a temporary prefix and uses only that copy: the
# files and the SONAME are there, only the public API is exported, each public header compiles
# alone (C11 / C++20), and the examples build and run (C through pkg-config, C++ through
# find_package with the shared and the static library, Python through ctypes).
# Usage: install_test.sh BUILD_DIR SOURCE_DIR "SANITIZER_FLAGS"
set -euo pipefail
build=$1 src=$2 san=${3:-}
work=$(mktemp -d /tmp/promlet-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libpromlet.so' | head -1)")
[ -n "$libdir" ] || fail "libpromlet.so not installed"
for f in include/promlet/promlet.h include/promlet/promlet.hpp include/promlet/export.h; do
  [ -f "$prefix/$f" ] || fail "$f not installed"
done
[ -f "$libdir/libpromlet.a" ] || fail "libpromlet.a not installed"
[ -f "$libdir/cmake/promlet/promletConfig.cmake" ] || fail "CMake package not installed"
[ -f "$libdir/pkgconfig/promlet.pc" ] || fail "promlet.pc not installed"
soname=$(readelf -d "$libdir/libpromlet.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libpromlet.so.0" ] || fail "SONAME is '$soname', want libpromlet.so.0"
[ -L "$libdir/libpromlet.so.0" ] || fail "libpromlet.so.0 link missing"
echo "installed: $(cd "$prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"

# Only the public API is exported: C functions promlet_*, and promlet:: outside the internal
# namespaces.
exported=$(nm -DC --defined-only "$libdir/libpromlet.so" | awk '$2 ~ /^[TWVBDR]$/ {$1=""; $2=""; print}')
internal=$(echo "$exported" | grep -E 'promlet::(tsdb|model|storage|promql|web|net|lib|common|config|push|scrape)::|absl|antlr|boost' || true)
[ -z "$internal" ] || fail "internal symbols exported: $(echo "$internal" | head -5)"
echo "$exported" | grep -q 'promlet_open_with_options' || fail "promlet_open_with_options not exported"
echo "$exported" | grep -q 'promlet::Db::Open' || fail "promlet::Db::Open not exported"
echo "exported symbols: $(echo "$exported" | wc -l)"

# Each public header alone, with only the prefix on the include path.
for h in promlet.h export.h; do
  printf "#include <promlet/%s>\nint promlet_header_check;\n" "$h" | cc -std=c11 -Wall -Wextra -pedantic -Werror -fsyntax-only \
    -I"$prefix/include" -x c - || fail "promlet/$h does not compile alone as C11"
done
for h in promlet.h export.h promlet.hpp; do
  printf "#include <promlet/%s>\nint promlet_header_check;\n" "$h" | c++ -std=c++20 -Wall -Wextra -pedantic -Werror -fsyntax-only \
    -I"$prefix/include" -x c++ - || fail "promlet/$h does not compile alone as C++20"
done

# C through pkg-config.
export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Wextra -Werror $san "$src/examples/c/example.c" $(pkg-config --cflags --libs promlet) \
  -Wl,-rpath,"$libdir" -o "$work/example_c"
out=$("$work/example_c" "$work/data_c")
echo "C: $out"
[ "$out" = '{"resultType":"vector","result":[{"metric":{"queue":"mail"},"value":[1700000135,"27"]}]}' ] ||
  fail "C example printed: $out"

# C++ through find_package, shared then static.
for static in OFF ON; do
  cmake -S "$src/examples/cpp" -B "$work/cpp_$static" -DCMAKE_PREFIX_PATH="$prefix" \
    -DPROMLET_EXAMPLE_STATIC=$static -DCMAKE_CXX_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" \
    -DCMAKE_CXX_COMPILER_LAUNCHER= >/dev/null
  cmake --build "$work/cpp_$static" >/dev/null || fail "C++ example (static=$static) did not build"
  out=$("$work/cpp_$static/example" "$work/data_cpp_$static")
  echo "C++ (static=$static): $(echo "$out" | tr '\n' ';')"
  [ "$out" = $'hall 18.50\nkitchen 21.50\nhall samples 4' ] || fail "C++ example printed: $out"
done
if [ "$static" = ON ] && ldd "$work/cpp_ON/example" | grep -q libpromlet; then
  fail "the static example links libpromlet.so"
fi

# Python through ctypes (Debian's python3 where present). A sanitized library needs the ASan
# runtime loaded first, and libstdc++ with it so that ASan finds the real __cxa_throw.
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
preload=
if [ -n "$san" ]; then
  preload="$(cc -print-file-name=libasan.so) $(c++ -print-file-name=libstdc++.so)"
fi
out=$(LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 $python "$src/examples/python/example.py" \
  "$libdir/libpromlet.so.0" "$work/data_py")
echo "Python: $(echo "$out" | tr '\n' ';')"
[ "$(echo "$out" | head -1)" = "vector io 16" ] || fail "Python example printed: $out"
echo "$out" | sed -n 2p | grep -q '^error: .*parse error' || fail "Python error path printed: $out"
echo "PASS"
