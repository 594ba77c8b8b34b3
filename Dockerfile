# Builds the service image used by docker-compose.yml.
FROM rust:1-bookworm AS build
# libpq, OpenSSL and SQLite are built into the binary (Cargo.toml): no -dev packages.
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/malstyrning /usr/local/bin/malstyrning
ENV BIND_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
CMD ["malstyrning", "serve"]
