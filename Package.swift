// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Zhiben",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "zhiben", targets: ["zhiben"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        // Tests read the endless alarm stream as it arrives (Vapor's own client buffers whole bodies).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.20.0"),
    ],
    targets: [
        .target(name: "ZhibenDomain", resources: [.copy("Resources")]),
        .target(
            name: "ZhibenPersistence",
            dependencies: [
                "ZhibenDomain",
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ZhibenApp",
            dependencies: [
                "ZhibenDomain",
                "ZhibenPersistence",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(name: "zhiben", dependencies: ["ZhibenApp"]),
        .testTarget(name: "ZhibenDomainTests", dependencies: ["ZhibenDomain", .product(name: "Crypto", package: "swift-crypto")]),
        // Opens throwaway databases (SQLite files, or PostgreSQL databases on ZHIBEN_TEST_POSTGRES_URL) for tests.
        .target(
            name: "ZhibenTestSupport",
            dependencies: [
                "ZhibenPersistence", "ZhibenDomain",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Tests/ZhibenTestSupport"
        ),
        .testTarget(
            name: "ZhibenPersistenceTests",
            dependencies: [
                "ZhibenPersistence", "ZhibenDomain", "ZhibenTestSupport",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
        .testTarget(
            name: "ZhibenAppTests",
            dependencies: [
                "ZhibenApp", "ZhibenDomain", "ZhibenPersistence", "ZhibenTestSupport",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
