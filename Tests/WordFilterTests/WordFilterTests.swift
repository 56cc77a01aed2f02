import PluginAPI
import PluginTesting
import WordFilter
import XCTest

final class WordFilterTests: XCTestCase {
    let configuration = WordFilter.Configuration(words: ["Darn", "heck"])

    func testRejectsListedWordsWithItsCode() async throws {
        let harness = try await HookHarness(WordFilter.self, configuration: configuration)
        let outcome = await harness.prepare(visitor: "Oh DARN, it broke")
        XCTAssertEqual(outcome, .reject(code: "word_filter.blocked", localizationKey: "error.message_blocked",
                                        message: "This message contains a word that is not allowed", pluginID: "word-filter"))
    }

    func testAllowsEverythingElse() async throws {
        let harness = try await HookHarness(WordFilter.self, configuration: configuration)
        let outcome = await harness.prepare(visitor: "darned good service")
        XCTAssertEqual(outcome, .accept(MessageDraft(kind: .visitor, sessionID: "session_test", text: "darned good service")))
        let reply = await harness.prepare(agent: "darn")
        XCTAssertEqual(reply, .accept(MessageDraft(kind: .agent, sessionID: "session_test", text: "darn")), "agent replies are not filtered")
    }

    func testConforms() async {
        let failures = await PluginConformance.check(WordFilter.self, configuration: configuration)
        XCTAssertEqual(failures, [])
    }
}

/// docs/plugins.md prints this plugin and this test verbatim; it must not drift from the code.
final class PluginGuideTests: XCTestCase {
    func testTheGuidePrintsTheCompiledCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent("docs/plugins.md"), encoding: .utf8)
        for file in ["Plugins/WordFilter/WordFilter.swift", "Tests/WordFilterTests/WordFilterTests.swift"] {
            let source = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            let printed = source.components(separatedBy: "\n/// docs/plugins.md prints")[0].trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(guide.contains(printed), "docs/plugins.md is out of date with \(file): regenerate its code blocks")
        }
        let pluginLines = try String(contentsOf: root.appendingPathComponent("Plugins/WordFilter/WordFilter.swift"), encoding: .utf8)
            .split(separator: "\n").count
        XCTAssertLessThan(pluginLines, 100, "the worked example stays well under 100 lines")
    }
}
