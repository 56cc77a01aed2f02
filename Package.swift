// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The plugins compiled into `sanctum`: each is the target `Plugins/<Name>` (PluginAPI only) with
/// its tests in `Tests/<Name>Tests`, and a library product of the same name for organisations
/// that build their own binary. `sanctum plugin new <id>` adds to this list.
let compiledPlugins = [
    "Analytics",
    "Attachments",
    "DomainAllowlist",
    "I18n",
    "LinkGuard",
    "Notifications",
    "WordFilter",
]

/// A plugin's `Plugins/<Name>/Resources/` folder (its widget module's files, for example) is
/// copied into the plugin's bundle, so `Bundle.module` finds it (`WidgetModule(bundle: .module, …)`).
/// SwiftPM caches this manifest's result by its text: a plugin that gains a `Resources/` folder
/// (Attachments did) needs this file's text to change once, or the cached result still lacks it.
func pluginResources(_ name: String) -> [Resource]? {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Plugins/\(name)/Resources")
    return FileManager.default.fileExists(atPath: folder.path) ? [.copy("Resources")] : nil
}

let package = Package(
    name: "sanctum",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sanctum", targets: ["sanctum"]),
        .library(name: "SanctumHost", targets: ["SanctumHost"]),
        .library(name: "PluginAPI", targets: ["PluginAPI"]),
        .library(name: "PluginTesting", targets: ["PluginTesting"]),
        .library(name: "SanctumServices", targets: ["SanctumServices"]),
    ] + compiledPlugins.map { .library(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The plugin contract: protocols and value types, Foundation only.
        .target(name: "PluginAPI", path: "Sources/PluginAPI"),
        // The hook dispatcher (order, budgets, circuit breaker, activation rules): Foundation only,
        // shared by the host and the test kit so plugins are tested against the real thing.
        .target(name: "PluginDispatch", dependencies: ["PluginAPI"], path: "Sources/PluginDispatch"),
        .target(name: "PluginTesting", dependencies: ["PluginAPI", "PluginDispatch"], path: "Sources/PluginTesting"),
        // `sanctum plugin new`: scaffolds and registers a plugin (Foundation only).
        .target(name: "PluginScaffold", path: "Sources/PluginScaffold"),
        .target(
            name: "SanctumServices",
            dependencies: [
                "PluginAPI", "PluginDispatch",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Services"
        ),
        .target(
            name: "SanctumHost",
            dependencies: [
                "SanctumServices", "PluginAPI", "PluginDispatch", "CSQLite", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Sources/Host",
            resources: [.copy("Resources/widget"), .copy("Resources/site")]
        ),
        .executableTarget(name: "hook-overhead", dependencies: ["PluginAPI", "PluginDispatch"], path: "Benchmarks/HookOverhead"),
        // The composition root: the compiled-in plugins and the command line.
        .executableTarget(
            name: "sanctum",
            dependencies: [
                "SanctumHost", "PluginScaffold",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ] + compiledPlugins.map { .target(name: $0) },
            path: "Sources/sanctum"
        ),
        .testTarget(
            name: "SanctumHostTests",
            dependencies: [
                "SanctumHost", "SanctumServices", "StoreConformance", "PluginAPI", "PluginDispatch", "PluginTesting",
                "DomainAllowlist", "Notifications", "WordFilter",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/SanctumHostTests"
        ),
        .target(name: "StoreConformance", dependencies: ["SanctumServices", "PluginAPI"], path: "Tests/StoreConformance"),
        .testTarget(name: "SanctumServicesTests", dependencies: ["SanctumServices", "StoreConformance", "PluginTesting", .product(name: "Logging", package: "swift-log")], path: "Tests/SanctumServicesTests"),
        .testTarget(name: "PluginAPITests", dependencies: ["PluginAPI", "PluginTesting"], path: "Tests/PluginAPITests"),
        .testTarget(name: "PluginDispatchTests", dependencies: ["PluginDispatch", "PluginAPI", "PluginTesting"], path: "Tests/PluginDispatchTests"),
        .testTarget(name: "PluginScaffoldTests", dependencies: ["PluginScaffold"], path: "Tests/PluginScaffoldTests"),
    ] + compiledPlugins.flatMap { name -> [Target] in [
        .target(name: name, dependencies: ["PluginAPI"], path: "Plugins/\(name)", resources: pluginResources(name)),
        .testTarget(name: "\(name)Tests", dependencies: [.target(name: name), "PluginTesting"], path: "Tests/\(name)Tests"),
    ] },
    swiftLanguageModes: [.v6]
)
