import Foundation
import XCTest

/// `docs/plugins.md` builds the link guard step by step: every Swift block of its steps must be
/// a verbatim piece of the compiled plugin or its test, together they must show every line of
/// both, and both stay small (≤ 120 and ≤ 80 lines after `swift format`).
final class LinkGuardGuideTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let files = ["Plugins/LinkGuard/LinkGuard.swift": 120, "Tests/LinkGuardTests/LinkGuardTests.swift": 80]

    func read(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The Swift blocks of the guide's steps (from "## 2." up to "## 5.").
    func guideBlocks() throws -> [String] {
        let guide = try read("docs/plugins.md")
        let steps = guide.components(separatedBy: "\n## 2. ")[1].components(separatedBy: "\n## 5. ")[0]
        return steps.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
    }

    func testEveryBlockIsCompiledCodeAndTogetherTheyShowAllOfIt() throws {
        let blocks = try guideBlocks()
        let sources = try Self.files.keys.map(read)
        for block in blocks {
            XCTAssertTrue(sources.contains { $0.contains(block) }, "docs/plugins.md shows code that is not in the plugin or its test:\n\(block)")
        }
        let shown = Set(blocks.flatMap { $0.components(separatedBy: "\n") })
        for (path, source) in zip(Self.files.keys, sources) {
            for line in source.components(separatedBy: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                XCTAssertTrue(shown.contains(line), "docs/plugins.md does not show this line of \(path): \(line)")
            }
        }
    }

    func testThePluginAndItsTestStaySmallAfterSwiftFormat() throws {
        let configuration = FileManager.default.temporaryDirectory.appendingPathComponent("guide-swift-format-\(UUID().uuidString).json")
        try Data(#"{"version": 1, "lineLength": 140, "indentation": {"spaces": 4}, "respectsExistingLineBreaks": true}"#.utf8)
            .write(to: configuration)
        defer { try? FileManager.default.removeItem(at: configuration) }
        for (path, limit) in Self.files {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["swift", "format", "--configuration", configuration.path, Self.root.appendingPathComponent(path).path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let formatted = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "swift format failed on \(path)")
            let lines = formatted.split(separator: "\n", omittingEmptySubsequences: false).count - 1
            XCTAssertLessThanOrEqual(lines, limit, "\(path) has \(lines) lines after swift format")
            XCTAssertGreaterThan(lines, 10, "swift format printed \(path)")
        }
    }
}
