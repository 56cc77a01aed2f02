import Foundation
import PluginAPI
import PluginDispatch
import PluginTesting
import Synchronization
import XCTest

/// Message metadata as plugin authors meet it (PluginAPI 2.2): `PluginJSON`, client hints,
/// what a transformer attaches, its namespace, the size limit, observers.
final class MessageMetadataHookTests: XCTestCase {
    /// Copies the widget's language hint into its namespace; fail-closed when `strict`.
    struct Translator: Plugin {
        struct Configuration: Decodable, Sendable { var strict = false }
        static let descriptor = PluginDescriptor(id: "i18n", version: "1", minimumAPIVersion: PluginAPIVersion(2, 2),
                                                 capabilities: [.transformMessages, .observeMessages], summary: "test")
        static let observed = Mutex<[MessageMetadata]>([])
        let strict: Bool
        init(configuration: Configuration) { strict = configuration.strict }

        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(
                transformers: [.rewriting(name: "translate", policy: strict ? .failClosed : .failOpen) { draft, _ in
                    let language = draft.clientMetadata["i18n"]?["language"]?.stringValue ?? "en"
                    let padding = draft.text == "huge" ? String(repeating: "x", count: MessageMetadata.maximumSize) : ""
                    return MessageRewrite(text: "[\(language)] " + draft.text,
                                          metadata: ["original": .string(draft.text), "language": .string(language + padding)])
                }],
                observers: [MessageObserver(name: "record") { message in Self.observed.withLock { $0.append(message.metadata) } }])
        }
    }

    /// Reads what `i18n` attached and tries to overwrite it.
    struct Follower: Plugin {
        static let descriptor = PluginDescriptor(id: "follower", version: "1", minimumAPIVersion: PluginAPIVersion(2, 2),
                                                 capabilities: [.transformMessages], summary: "test")
        init(configuration: NoConfiguration) {}

        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(transformers: [
                .rewriting(name: "follow") { draft, _ in
                    MessageRewrite(text: draft.text, metadata: ["seen": draft.metadata["i18n"]?["language"] ?? nil, "i18n": "overwritten?"])
                },
                MessageTransformer(name: "plain") { draft, _ in draft.text + "!" },
            ])
        }
    }

    func testPluginJSONLiteralsAndCodable() throws {
        let value: PluginJSON = ["language": "de", "ids": [1, 2.5, "a"], "draft": false, "none": nil]
        XCTAssertEqual(value["ids"]?.arrayValue?.first?.numberValue, 1)
        XCTAssertEqual(value["language"]?.stringValue, "de")
        XCTAssertEqual(value["draft"]?.boolValue, false)
        XCTAssertEqual(value["none"], PluginJSON.null)
        let decoded = try JSONDecoder().decode(PluginJSON.self, from: JSONEncoder().encode(value))
        XCTAssertEqual(decoded, value)
        let metadata = MessageMetadata(["i18n": ["language": "de"]])
        XCTAssertEqual(try JSONDecoder().decode(MessageMetadata.self, from: JSONEncoder().encode(metadata)), metadata)
        XCTAssertEqual(metadata.encodedSize, #"{"i18n":{"language":"de"}}"#.utf8.count)
        XCTAssertTrue(MessageMetadata().isEmpty)
        XCTAssertLessThan(MessageMetadata(["p": ["n": .number(.nan)]]).encodedSize, 20, "a NaN is measured, not refused")
    }

    func testClientHintsReachTheHookAndItsMembersAreAttached() async throws {
        let harness = try await HookHarness(Translator.self, configuration: .init())
        let outcome = await harness.prepare(visitor: "hallo", clientMetadata: MessageMetadata(["i18n": ["language": "de"], "other": ["x": 1]]))
        XCTAssertEqual(outcome.text, "[de] hallo")
        XCTAssertEqual(outcome.metadata, MessageMetadata(["i18n": ["original": "hallo", "language": "de"]]),
                       "only what the transformer attached; the client's hints are not part of it")
    }

    func testLaterHooksReadEarlierMetadataAndPluginsWriteOnlyTheirNamespace() async throws {
        let harness = try await HookHarness(plugins: [(Translator.self, Translator.Configuration()), (Follower.self, NoConfiguration())])
        let outcome = await harness.prepare(visitor: "hi")
        XCTAssertEqual(outcome.text, "[en] hi!", "a plain transformer keeps working and keeps the metadata")
        XCTAssertEqual(outcome.metadata?["i18n"], ["original": "hi", "language": "en"])
        XCTAssertEqual(outcome.metadata?["follower"], ["seen": "en", "i18n": "overwritten?"])
    }

    func testMetadataOverTheLimitFailsTheTransformer() async throws {
        let lenient = try await HookHarness(Translator.self, configuration: .init())
        let kept = await lenient.prepare(visitor: "huge")
        XCTAssertEqual(kept.text, "huge", "fail-open: text and metadata stay as they were")
        XCTAssertEqual(kept.metadata, MessageMetadata())
        XCTAssertTrue(lenient.host.logs.contains { $0.message.contains("8192-byte limit") }, "\(lenient.host.logs)")

        let strict = try await HookHarness(Translator.self, configuration: .init(strict: true))
        guard case .reject(let code, _, _, let pluginID) = await strict.prepare(visitor: "huge") else { return XCTFail("expected a rejection") }
        XCTAssertEqual(code, HookPipeline.unavailableCode)
        XCTAssertEqual(pluginID, "i18n")
    }

    func testObserversSeeStoredMetadata() async throws {
        Translator.observed.withLock { $0.removeAll() }
        let harness = try await HookHarness(Translator.self, configuration: .init())
        let metadata = MessageMetadata(["i18n": ["language": "de"]])
        await harness.notify(text: "x", metadata: metadata)
        XCTAssertEqual(Translator.observed.withLock { $0 }, [metadata])
    }

    func testSettingTransformKeepsTheOldSignatureWorking() async throws {
        var transformer = MessageTransformer(name: "t") { draft, _ in draft.text }
        transformer.transform = { draft, _ in draft.text + "?" }
        let context = HookContext(site: SiteInfo(id: "s", tier: "t"))
        let rewrite = try await transformer.rewrite(MessageDraft(kind: .visitor, sessionID: "s", text: "ok"), context)
        XCTAssertEqual(rewrite, MessageRewrite(text: "ok?"))
        let text = try await transformer.transform(MessageDraft(kind: .visitor, sessionID: "s", text: "ok"), context)
        XCTAssertEqual(text, "ok?")
    }
}
