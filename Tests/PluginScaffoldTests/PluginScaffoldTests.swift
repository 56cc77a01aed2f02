import Foundation
import PluginScaffold
import XCTest

/// `sanctum plugin new` against copies of this repository's own registration files: what it
/// writes, where each list gains its entry, and that a refusal writes nothing. (`scripts/test`
/// also scaffolds a plugin into the checkout and builds and tests it: `scripts/check-scaffold`.)
final class PluginScaffoldTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("scaffold-\(UUID().uuidString)")
        for file in ["Package.swift", "Sources/sanctum/CompiledPlugins.swift", "docs/plugins/README.md"] {
            let target = root.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent(file), to: target)
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    private func read(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }

    func testWritesTheTargetTestsAndDocsAndRegistersThePluginInOrder() throws {
        let scaffold = try PluginScaffold(id: "link-guard", summary: "Refuses messages with too many links")
        XCTAssertEqual(scaffold.typeName, "LinkGuard")
        let written = try scaffold.write(into: root)
        XCTAssertEqual(Set(written), ["Plugins/LinkGuard/LinkGuard.swift", "Tests/LinkGuardTests/LinkGuardTests.swift", "docs/plugins/link-guard.md",
                                      "Package.swift", "Sources/sanctum/CompiledPlugins.swift", "docs/plugins/README.md"])
        XCTAssertTrue(try read("Plugins/LinkGuard/LinkGuard.swift").contains("public struct LinkGuard: Plugin"))
        XCTAssertTrue(try read("Plugins/LinkGuard/LinkGuard.swift").contains("id: \"link-guard\""))
        XCTAssertTrue(try read("Tests/LinkGuardTests/LinkGuardTests.swift").contains("final class LinkGuardTests: XCTestCase"))
        XCTAssertTrue(try read("Package.swift").contains("    \"DomainAllowlist\",\n    \"LinkGuard\",\n    \"WordFilter\",\n]"))
        let registry = try read("Sources/sanctum/CompiledPlugins.swift")
        XCTAssertTrue(registry.hasPrefix("import DomainAllowlist\nimport LinkGuard\nimport SanctumHost\n"))
        XCTAssertTrue(registry.contains("        DomainAllowlist.self,\n        LinkGuard.self,\n        WordFilter.self,\n    ])"))
        XCTAssertTrue(try read("docs/plugins/README.md").contains("- [`link-guard`](link-guard.md): Refuses messages with too many links\n- [`word-filter`]"))
    }

    func testASecondRunRefusesAndChangesNothing() throws {
        try PluginScaffold(id: "link-guard").write(into: root)
        let manifest = try read("Package.swift")
        XCTAssertThrowsError(try PluginScaffold(id: "link-guard").write(into: root)) { error in
            XCTAssertEqual(error as? ScaffoldError, .exists("Plugins/LinkGuard/LinkGuard.swift"))
        }
        XCTAssertEqual(try read("Package.swift"), manifest)
    }

    func testOutsideAPackageNothingIsWritten() throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent("Sources/sanctum/CompiledPlugins.swift"))
        XCTAssertThrowsError(try PluginScaffold(id: "link-guard").write(into: root)) { error in
            XCTAssertEqual(error as? ScaffoldError, .notAPackage("Sources/sanctum/CompiledPlugins.swift not found"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("Plugins").path))
        XCTAssertFalse(try read("Package.swift").contains("LinkGuard"))
    }

    func testRefusesIDsThatCannotNameAPlugin() {
        for id in ["", "Link-guard", "-link", "link-", "link--guard", "9lives", "link_guard", "link guard", String(repeating: "a", count: 65)] {
            XCTAssertThrowsError(try PluginScaffold(id: id), id) { error in XCTAssertEqual(error as? ScaffoldError, .invalidID(id)) }
        }
        XCTAssertEqual(try PluginScaffold(id: "a2b-c").typeName, "A2bC")
    }
}
