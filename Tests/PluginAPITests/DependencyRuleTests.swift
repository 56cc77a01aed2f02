import Foundation
import XCTest

/// The plugin side imports nothing but Foundation (and, in plugins, Swift's own Synchronization)
/// and the plugin targets below it: a plugin author needs nothing else, and plugin code never
/// sees the dispatcher. The services import no
/// HTTP or storage engine.
final class DependencyRuleTests: XCTestCase {
    /// What each folder may import.
    static let allowedImports: [(folder: String, modules: Set<String>)] = [
        ("Sources/PluginAPI", ["Foundation"]),
        ("Sources/PluginDispatch", ["Foundation", "PluginAPI"]),
        ("Sources/PluginTesting", ["Foundation", "PluginAPI", "PluginDispatch"]),
        // Synchronization ships with Swift: its `Mutex` is the lock plugins use.
        ("Plugins", ["Foundation", "Synchronization", "PluginAPI"]),
        // The domain: no HTTP (Hummingbird, NIO, HTTPTypes) and no storage engine below the services.
        ("Sources/Services", ["Foundation", "Synchronization", "Logging", "Crypto", "ServiceLifecycle", "PluginAPI", "PluginDispatch"]),
    ]

    func testPluginSideTargetsImportOnlyFoundationAndThePluginTargets() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for (folder, allowed) in Self.allowedImports {
            var checked = 0
            let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard url.pathExtension == "swift" else { continue }
                checked += 1
                for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard let index = words.firstIndex(of: "import"), index <= 1, index + 1 < words.count else { continue }
                    let module = String(words[index + 1])
                    XCTAssertTrue(allowed.contains(module), "\(folder)/…/\(url.lastPathComponent) imports \(module)")
                }
            }
            XCTAssertGreaterThan(checked, 1, "\(folder) has sources")
        }
    }
}
