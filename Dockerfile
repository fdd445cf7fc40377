# The portal in a container, for machines with Docker (see docker-compose.yml).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin portal

FROM debian:bookworm-slim
RUN useradd --system --home /nonexistent portal \
    && mkdir -p /var/lib/portal && chown portal /var/lib/portal
COPY --from=build /src/target/release/portal /usr/local/bin/portal
USER portal
ENV PORTAL_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["portal"]
CMD ["serve"]
