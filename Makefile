# hppo — the two commands of the README are `make run` and `make test`; both set everything up.
.PHONY: setup build gen check-gen test test-unit run native test-core bench bench-runtime bench-lp bench-qp bench-sweep bench-search bench-small-lp bench-data bench-backtest bench-models clean

setup:
	@bash scripts/setup.sh

build: setup

gen:
	bash scripts/gen-proto.sh

check-gen:
	bash scripts/gen-proto.sh --check

native:
	bash scripts/build-native.sh

test-core:
	$(MAKE) -C native test-core

test: setup
	bash scripts/run-tests.sh $(T)

run: setup
	node bin/hppo.js run

bench-runtime: setup
	node dist/bench/runtime.bench.js

bench-sweep: setup
	node dist/bench/sweep.bench.js

bench-backtest: setup
	node dist/bench/backtest-engine.bench.js

bench-models: setup
	node dist/bench/models.bench.js

bench-small-lp: setup
	node dist/bench/small-lp.bench.js

bench-data: setup
	node dist/bench/data.bench.js

bench-lp: setup
	node dist/bench/lp.bench.js

bench-qp: setup
	node dist/bench/qp.bench.js

bench-search: setup
	node dist/bench/search.bench.js

clean:
	rm -rf dist native/build native/build-core native/build-cuda
