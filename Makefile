# The two commands a newcomer needs:
#   make run    — the whole system on embedded defaults (Temporal + SQLite + worker + API + Web UI)
#   make test   — the whole test suite (needs PostgreSQL on 127.0.0.1:5432, see README)
# and for the fault tests' long form (thousands of tickets, repeated kills; about 8 minutes on two cores):
#   make faults

GO ?= go
DATA_DIR ?= ./data

.PHONY: run test build bench vet faults

run:
	$(GO) run ./cmd/tawasul dev --data-dir $(DATA_DIR)

build:
	$(GO) build -o bin/tawasul ./cmd/tawasul

# -p 2: two packages at a time (two cores); the end-to-end package starts its own
# Temporal servers and is the long pole.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -p 2 -timeout 20m ./...

# The short form of these tests runs in `make test`; this is the long one.
faults:
	TAWASUL_FAULT_LONG=1 $(GO) test -count=1 -v -run TestFault -timeout 60m ./e2e/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./store/ ./sla/

vet:
	$(GO) vet ./...
