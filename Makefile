# The two commands a newcomer needs:
#   make run    — the whole system on embedded defaults (Temporal + SQLite + worker + API + Web UI)
#   make test   — the whole test suite (needs PostgreSQL on 127.0.0.1:5432, see README)
# and for the fault tests' long form (thousands of tickets, repeated kills; about 8 minutes on two cores):
#   make faults

GO ?= go
DATA_DIR ?= ./data
# More flags for `make run`: make run ARGS='--addr 127.0.0.1:9080 --ui-port -1'
ARGS ?=

.PHONY: run test build bench bench-pg vet faults lint vendor-web

# run builds bin/tawasul and execs it in place of the recipe's shell, so
# Ctrl-C reaches the binary itself, which stops cleanly and exits 0. (`go
# run` turned the interrupt into exit 1, and make into "*** Error 1".)
# Other ports: TAWASUL_ADDR=127.0.0.1:9080 make run (README, Configuration).
run: build
	exec ./bin/tawasul dev --data-dir $(DATA_DIR) $(ARGS)

build:
	$(GO) build -o bin/tawasul ./cmd/tawasul

# -p 2: two packages at a time (two cores); the end-to-end package starts its own
# Temporal servers and is the long pole.
test: lint
	$(GO) vet ./...
	$(GO) test -count=1 -p 2 -timeout 20m ./...

# The linters are go.mod's tools, at the versions it pins. Formatting: gofmt,
# and goimports with this module's imports grouped after the others'.
# staticcheck's default checks. workflowcheck: the workflows stay deterministic
# (no time.Now, goroutines, map ranges... outside the SDK's replacements).
# templ's generated files (*_templ.go) are left as templ writes them: a test
# (web/views) checks they are what templ generates.
lint:
	@fmt="$$("$$($(GO) env GOROOT)/bin/gofmt" -l .)" || exit 1; \
	imp="$$($(GO) tool goimports -local github.com/tawasul/tawasul -l .)" || exit 1; \
	imp="$$(printf '%s\n' $$imp | grep -v '_templ\.go$$' || true)"; \
	if [ -n "$$fmt$$imp" ]; then \
		echo "not formatted (go tool goimports -local github.com/tawasul/tawasul -w FILE):"; \
		printf '%s\n' $$fmt $$imp | sort -u; exit 1; \
	fi
	$(GO) tool staticcheck ./...
	$(GO) tool workflowcheck ./workflows/...

# The short form of these tests runs in `make test`; this is the long one.
faults:
	TAWASUL_FAULT_LONG=1 $(GO) test -count=1 -v -run TestFault -timeout 60m ./e2e/

# Benchmarks (BENCHMARKS.md has the figures and how they were taken).
# bench: a quick pass over everything, the PostgreSQL read model at
# TAWASUL_BENCH_TICKETS (100,000 unless set; skipped, with a message, when
# PostgreSQL is unreachable).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./sla/ ./normalize/ ./api/ ./store/

# bench-pg: the read model on PostgreSQL at BENCH_TICKETS, BENCH_COUNT rounds
# of BENCH_TIMES calls per query, for benchstat (make bench-pg > new.txt).
# TAWASUL_BENCH_KEEP=1 keeps the seeded schema for the next run.
BENCH_TICKETS ?= 1000000
BENCH_COUNT ?= 6
BENCH_TIMES ?= 200x
bench-pg:
	TAWASUL_BENCH_TICKETS=$(BENCH_TICKETS) $(GO) test -run '^$$' -bench PGReadModel \
		-benchtime $(BENCH_TIMES) -count $(BENCH_COUNT) -timeout 60m ./store/

vet:
	$(GO) vet ./...

# vendor-web: refetch the web application's third-party files (htmx, IBM Plex
# Sans Arabic, axe-core) with npm pack at the versions web/static/vendor.sh pins,
# and rewrite web/static/vendor/SHA256SUMS. Only for updates: the files are
# committed, and building or testing needs no Node.
vendor-web:
	./web/static/vendor.sh
