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
        let scaffold = try PluginScaffold(id: "spam-shield", summary: "Refuses spam")
        XCTAssertEqual(scaffold.typeName, "SpamShield")
        let written = try scaffold.write(into: root)
        XCTAssertEqual(Set(written), ["Plugins/SpamShield/SpamShield.swift", "Tests/SpamShieldTests/SpamShieldTests.swift", "docs/plugins/spam-shield.md",
                                      "Package.swift", "Sources/sanctum/CompiledPlugins.swift", "docs/plugins/README.md"])
        XCTAssertTrue(try read("Plugins/SpamShield/SpamShield.swift").contains("public struct SpamShield: Plugin"))
        XCTAssertTrue(try read("Plugins/SpamShield/SpamShield.swift").contains("id: \"spam-shield\""))
        XCTAssertTrue(try read("Tests/SpamShieldTests/SpamShieldTests.swift").contains("final class SpamShieldTests: XCTestCase"))
        XCTAssertTrue(try read("Package.swift").contains("    \"Notifications\",\n    \"SpamShield\",\n    \"WordFilter\",\n]"))
        let registry = try read("Sources/sanctum/CompiledPlugins.swift")
        XCTAssertTrue(registry.contains("import SanctumHost\nimport SpamShield\nimport WordFilter\n"))
        XCTAssertTrue(registry.contains("        Notifications.self,\n        SpamShield.self,\n        WordFilter.self,\n    ])"))
        XCTAssertTrue(try read("docs/plugins/README.md").contains("- [`spam-shield`](spam-shield.md): Refuses spam\n- [`word-filter`]"))
    }

    func testAPluginAlreadyRegisteredIsRefused() throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent("docs/plugins/README.md"))
        XCTAssertThrowsError(try PluginScaffold(id: "link-guard").write(into: root)) { error in
            XCTAssertEqual(error as? ScaffoldError, .alreadyRegistered("Package.swift"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("Plugins").path))
    }

    func testASecondRunRefusesAndChangesNothing() throws {
        try PluginScaffold(id: "spam-shield").write(into: root)
        let manifest = try read("Package.swift")
        XCTAssertThrowsError(try PluginScaffold(id: "spam-shield").write(into: root)) { error in
            XCTAssertEqual(error as? ScaffoldError, .exists("Plugins/SpamShield/SpamShield.swift"))
        }
        XCTAssertEqual(try read("Package.swift"), manifest)
    }

    func testOutsideAPackageNothingIsWritten() throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent("Sources/sanctum/CompiledPlugins.swift"))
        XCTAssertThrowsError(try PluginScaffold(id: "spam-shield").write(into: root)) { error in
            XCTAssertEqual(error as? ScaffoldError, .notAPackage("Sources/sanctum/CompiledPlugins.swift not found"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("Plugins").path))
        XCTAssertFalse(try read("Package.swift").contains("SpamShield"))
    }

    func testRefusesIDsThatCannotNameAPlugin() {
        for id in ["", "Link-guard", "-link", "link-", "link--guard", "9lives", "link_guard", "link guard", String(repeating: "a", count: 65)] {
            XCTAssertThrowsError(try PluginScaffold(id: id), id) { error in XCTAssertEqual(error as? ScaffoldError, .invalidID(id)) }
        }
        XCTAssertEqual(try PluginScaffold(id: "a2b-c").typeName, "A2bC")
    }
}
