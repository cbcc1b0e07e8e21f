# The two commands of the README. Each does the whole set-up on a fresh Debian 12 machine.
#   make run   install deps if missing, build (Release), start promlet on its embedded config
#   make test  install deps if missing, build with ASan+UBSan, run every test through ctest
JOBS ?= $(shell nproc)
# ccache keys on paths relative to the checkout's parent, so a fresh clone elsewhere (CI) reuses
# objects compiled in any other checkout on the same machine.
export CCACHE_BASEDIR ?= $(abspath $(CURDIR)/..)
export CCACHE_NOHASHDIR ?= 1
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: run test build build-test deps bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DPROMLET_BUILD_TESTS=OFF
	cmake --build build -j $(JOBS) --target promlet

run: build
	./build/promlet $(ARGS)

build-test: deps
	cmake -S . -B build-test $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
	  -DPROMLET_SANITIZE=ON -DPROMLET_BUILD_BENCH=OFF
	cmake --build build-test -j $(JOBS)

test: build-test
	cd build-test && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: deps
	cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	cmake --build build -j $(JOBS)

clean:
	rm -rf build build-test
