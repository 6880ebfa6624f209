// swift-tools-version:6.0
import PackageDescription

// The layers of Muamala (see docs/ARCHITECTURE.md): dependencies point down only.
//   muamala (CLI) / muamalad (daemon) -> [Web ->] API -> Engine -> Store -> PQ -> CLibPQ
//                                                         Store -> Domain (pure)
let package = Package(
    name: "Muamala",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "muamala", targets: ["muamala"]),
        .executable(name: "muamalad", targets: ["muamalad"]),
        .executable(name: "muamala-bench", targets: ["muamala-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // 4.x is what jwt-kit needs; our uses (SHA-256, Ed25519) are the same in 3.x and 4.x.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // Verifies the national identity provider's tokens (RS256, ES256) for portal users.
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // The web console's and the open-data page's templates (server-rendered HTML).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // Tests only: reads docker-compose.yml.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libpq, as the system provides it.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Linux's epoll (not in Swift's Glibc module), for the bench's load generator.
        .systemLibrary(name: "CEpoll"),
        // The Swift face of libpq; the only target that imports CLibPQ.
        .target(
            name: "PQ",
            dependencies: ["CLibPQ"]
        ),
        // Pure rules: identifiers, workflows, rulebook, reasons. Imports nothing of ours.
        .target(name: "Domain"),
        // Every SQL statement: schema migrations, aggregates, events, the request queue.
        .target(
            name: "Store",
            dependencies: [
                "PQ", "Domain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The transaction processor: claim, decide, persist, complete; timers; retries.
        .target(
            name: "Engine",
            dependencies: [
                "Store", "Domain", "PQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // HTTP JSON API over Engine and Store: routes, authentication, errors.
        .target(
            name: "API",
            dependencies: [
                "Engine", "Store", "Domain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The pages people look at: the public open-data page and the staff console, HTML
        // rendered on the server from the same operations as the API (Engine), over its router.
        .target(
            name: "Web",
            dependencies: [
                "API", "Engine", "Store", "Domain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "muamala",
            dependencies: [
                "Store", "Engine", "Domain", "PQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The daemon: its assembly (one ServiceGroup), its logging, and nothing else.
        .executableTarget(
            name: "muamalad",
            dependencies: [
                "API", "Web", "Engine", "Store", "Domain", "PQ",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Load generators and measurements for Scripts/bench (a benchmark, never a test).
        .executableTarget(
            name: "muamala-bench",
            dependencies: [
                "PQ", "Store", "Domain", "CEpoll",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Shared helpers for the integration tests (database URLs from the environment).
        .target(
            name: "TestSupport",
            dependencies: ["PQ", "Store", "Domain"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "PQTests", dependencies: ["PQ", "TestSupport"]),
        .testTarget(
            name: "DomainTests",
            dependencies: [
                "Domain",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "Engine", "PQ", "Domain", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Engine", "Store", "PQ", "Domain", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["TestSupport", "Domain", "PQ", "Store", "muamala", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The bench's own parts that must be right for its figures to mean anything.
        .testTarget(name: "BenchTests", dependencies: ["muamala-bench", "Domain", "PQ", "Store", "TestSupport"]),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "API", "Engine", "Store", "PQ", "Domain", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Engine", "Store", "PQ", "Domain", "TestSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                // Makes RSA keys for the identity provider's tests.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
