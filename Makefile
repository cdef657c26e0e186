# Doorstep: `make demo` runs the product on a demo database; `make check` runs every test.
# Builds: build/ (release), build-test/ (settable test clock), build-asan/ (test clock with
# AddressSanitizer and UndefinedBehaviorSanitizer), build-fuzz/ (clang, libFuzzer).

DB ?= demo/doorstep.db
LISTEN ?= 127.0.0.1:8080

.PHONY: all setup build web demo check unit bench fuzz crash soak clean

all: build web

setup:
	@scripts/setup

build: setup
	@[ -d build ] || meson setup build --buildtype=release >/dev/null
	@[ -d build-test ] || meson setup build-test -Dtest_clock=true >/dev/null
	@[ -d build-asan ] || meson setup build-asan -Dtest_clock=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	@ninja -C build >/dev/null
	@ninja -C build-test >/dev/null
	@ninja -C build-asan >/dev/null

web: setup
	@scripts/build-web

demo: build web
	@scripts/demo "$(DB)" "$(LISTEN)"

check: build web
	@scripts/check

bench: build web
	@bench/run
	@bench/registry
	@bench/orders
	@bench/visits
	@node bench/summary.mjs

crash: build
	@CRASH_KILLS=$${CRASH_KILLS:-200} scripts/crash

soak: build
	@scripts/soak

fuzz: setup
	@scripts/fuzz $${FUZZ_SECONDS:-300}

clean:
	rm -rf build build-test build-asan build-fuzz web/dist
