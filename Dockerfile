# muamalad and muamala, built on the official Swift 6.3 image.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product muamalad \
    && swift build -c release --product muamala \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)/muamalad" "$(swift build -c release --show-bin-path)/muamala" /out/

FROM swift:6.3-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app muamala
COPY --from=build /out/muamalad /out/muamala /usr/local/bin/
COPY Schema /app/Schema
COPY Rulebook /app/Rulebook
ENV MUAMALA_SCHEMA_DIR=/app/Schema \
    MUAMALA_RULEBOOK=/app/Rulebook/rulebook.json \
    MUAMALA_HTTP_HOST=0.0.0.0 \
    MUAMALA_HTTP_PORT=8080 \
    MUAMALA_LOG_FORMAT=json
WORKDIR /app
USER muamala
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
# Migrations first (safe when several containers start at once: they take an advisory lock).
CMD ["sh", "-c", "muamala migrate && exec muamalad"]
