# syntax=docker/dockerfile:1
#
# One static binary for every role (`tawasul api`, `worker`, `migrate`, `seed`;
# `dev` too, though it is meant for a workstation).
#
# Written from the golang and distroless images' documentation. Docker is not
# available on the development machines, so this file has not been built
# there; the build command it runs has:
#   CGO_ENABLED=0 go build ./cmd/tawasul   -> a statically linked binary.
# cgo is not needed: SQLite is the pure-Go modernc.org/sqlite driver (shared
# with the embedded Temporal server), and mattn/go-sqlite3, which gorm's sqlite
# driver imports, compiles to an unused stub without cgo. The time zone
# database is embedded (sla imports time/tzdata).

FROM golang:1.26.8 AS build
WORKDIR /src
# The module asks for exactly go 1.26.8; never download another toolchain.
ENV GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY . .
# The Temporal server (linked for `tawasul dev`) makes a cold build take many
# minutes; the cache mounts keep rebuilds short.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/tawasul ./cmd/tawasul

# distroless/static: CA certificates and /etc/passwd, no shell, no package
# manager. The :nonroot tag runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tawasul /tawasul
# Relative paths (./tawasul.yaml, ./data) resolve in the user's home, never in /.
WORKDIR /home/nonroot
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/tawasul"]
CMD ["api"]
