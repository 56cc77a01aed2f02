import Foundation
import XCTest

/// PluginAPI, PluginTesting and every plugin import nothing but Foundation (and PluginAPI):
/// a plugin author needs nothing else.
final class DependencyRuleTests: XCTestCase {
    func testPluginSideTargetsImportOnlyFoundationAndPluginAPI() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let allowed: Set<String> = ["Foundation", "PluginAPI"]
        var checked = 0
        for folder in ["Sources/PluginAPI", "Sources/PluginTesting", "Plugins"] {
            let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard url.pathExtension == "swift" else { continue }
                checked += 1
                for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard let index = words.firstIndex(of: "import"), index <= 1 else { continue }
                    let module = String(words[index + 1])
                    XCTAssertTrue(allowed.contains(module), "\(url.lastPathComponent) imports \(module)")
                }
            }
        }
        XCTAssertGreaterThan(checked, 10)
    }
}
