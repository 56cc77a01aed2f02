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
