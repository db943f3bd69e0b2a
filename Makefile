# The two commands of the README: `make run` and `make test`. Each bootstraps the Debian
# packages it needs (scripts/bootstrap.sh), configures with CMake + Ninja and builds.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
RUN_CONFIG ?= deploy/muster.dev.conf

.PHONY: all build run test unit integration asan fuzz fuzz-smoke bench format tidy clean \
	bootstrap-build bootstrap-test bootstrap-bench web

all: build

bootstrap-build:
	@scripts/bootstrap.sh build
bootstrap-test:
	@scripts/bootstrap.sh test
bootstrap-bench:
	@scripts/bootstrap.sh bench

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: bootstrap-build $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The web app (clients/web on the SDK in clients/js): npm ci from the committed lock files, then
# a build into clients/web/dist, which musterd serves at /. The browser test (ctest web_e2e)
# builds it the same way.
web: bootstrap-build
	clients/web/scripts/build.sh

# One node on embedded defaults (SQLite under ./var, in-process bus) with the demo organisation,
# and the web app at http://127.0.0.1:8080/.
run: build web
	@scripts/run-dev.sh $(BUILD_DIR) $(RUN_CONFIG)

test: bootstrap-test $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

integration: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE unit

# One sanitizer build (clang, ASan+UBSan, libFuzzer coverage; -O1, little debug info) serves
# both: `make asan` runs the unit and integration tests in it (the bench smoke tests are left
# out), `make fuzz` runs every libFuzzer target for FUZZ_SECONDS from the committed corpus
# (tests/fuzz/corpus; new inputs go to $(SANITIZE_DIR)/corpus, crashes to .../artifacts).
# `make fuzz-smoke` is the short run of CI. Any failure or sanitizer report fails them
# (scripts/sanitize.sh).
SANITIZE_DIR ?= build-sanitize
FUZZ_SECONDS ?= 600
asan: bootstrap-test
	scripts/sanitize.sh asan $(SANITIZE_DIR) $(JOBS)
fuzz: bootstrap-test
	scripts/sanitize.sh fuzz $(SANITIZE_DIR) $(JOBS) $(FUZZ_SECONDS)
fuzz-smoke: bootstrap-test
	scripts/sanitize.sh fuzz $(SANITIZE_DIR) $(JOBS) 30

# Only what the benchmarks run is built (a Release build of everything takes much longer).
bench: bootstrap-bench
	cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build build-release -j $(JOBS) --target musterd muster-loadgen muster-bench-floor
	bench/run.sh build-release

format:
	find server clients tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

tidy: $(BUILD_DIR)/build.ninja
	run-clang-tidy -quiet -p $(BUILD_DIR) 'server/|clients/' >/dev/null

clean:
	rm -rf $(BUILD_DIR) build-release $(SANITIZE_DIR)
