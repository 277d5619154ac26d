# The image the workers of `aiperf kube manifest` run: one static binary, run as a non-root user.
#   docker build -t ghcr.io/aiperf/aiperf-rs:0.1.0 .
# Build stage: Rust on musl, whose binaries are static; ring and the rest build with its gcc.
FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin aiperf \
    && cp target/release/aiperf /aiperf

# Run stage: nothing but the binary, CA certificates (https:// servers, object stores) and a
# non-root user (65532, "nonroot"), as the Job's securityContext asks.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /aiperf /usr/local/bin/aiperf
USER 65532:65532
WORKDIR /artifacts
ENTRYPOINT ["/usr/local/bin/aiperf"]
CMD ["--help"]
