/// The three files of a new plugin: a working validator to start from, its tests with the
/// kit, and its docs page. They compile and pass as written.
struct ScaffoldTemplates {
    let id: String
    let name: String
    let summary: String
    /// The prefix of the plugin's error codes (`link_guard`).
    let codePrefix: String

    init(_ plugin: PluginScaffold) {
        id = plugin.id
        name = plugin.typeName
        summary = plugin.summary
        codePrefix = plugin.id.replacingOccurrences(of: "-", with: "_")
    }

    var plugin: String {
        """
        import Foundation
        import PluginAPI

        /// \(summary)
        ///
        /// Scaffolded by `sanctum plugin new \(id)`: a validator to start from. `docs/plugins.md`
        /// walks through the other hooks, storage and routes; `docs/plugin-api.md` lists every type.
        public struct \(name): Plugin {
            /// The `plugins.\(id)` section of the config file: keys in snake_case, each optional.
            public struct Configuration: PluginConfiguration {
                /// Visitor messages longer than this many characters are refused.
                public var limit = 2000

                /// The defaults: what a file that leaves keys out gets.
                public init() {}

                /// The defaults with this limit.
                public init(limit: Int) { self.limit = limit }
            }

            /// Thrown at startup for a configuration that cannot work.
            public struct InvalidLimit: Error, CustomStringConvertible {
                /// Shown when the server refuses to start.
                public var description: String { "plugins.\(id).limit must be a positive whole number" }
            }

            public static let descriptor = PluginDescriptor(
                id: "\(id)", version: "0.1.0", minimumAPIVersion: PluginAPIVersion(2, 1), capabilities: [.validateMessages],
                summary: "\(summary)")

            let limit: Int

            public init(configuration: Configuration) throws {
                guard configuration.limit > 0 else { throw InvalidLimit() }
                limit = configuration.limit
            }

            public func activate(host: any PluginHost) async throws -> PluginContributions {
                let limit = limit
                return PluginContributions(validators: [
                    MessageValidator(name: "length", kinds: [.visitor], budget: .milliseconds(20), policy: .failOpen) { draft, _ in
                        guard draft.text.count > limit else { return .allow }
                        return .reject(code: "\(codePrefix).too_long", localizationKey: "error.message_too_long",
                                       message: "This message is longer than \\(limit) characters")
                    },
                ])
            }
        }

        """
    }

    var tests: String {
        """
        import \(name)
        import PluginAPI
        import PluginTesting
        import XCTest

        final class \(name)Tests: XCTestCase {
            func testRefusesMessagesOverTheLimit() async throws {
                let harness = try await HookHarness(\(name).self, configuration: .init(limit: 5))
                let outcome = await harness.prepare(visitor: "far too long")
                XCTAssertEqual(outcome, .reject(code: "\(codePrefix).too_long", localizationKey: "error.message_too_long",
                                                message: "This message is longer than 5 characters", pluginID: "\(id)"))
            }

            func testAcceptsShorterMessagesAndAgentReplies() async throws {
                let harness = try await HookHarness(\(name).self, configuration: .init(limit: 5))
                let short = await harness.prepare(visitor: "hi")
                XCTAssertEqual(short, .accept(MessageDraft(kind: .visitor, sessionID: "session_test", text: "hi")))
                let reply = await harness.prepare(agent: "a long agent reply")
                XCTAssertEqual(reply, .accept(MessageDraft(kind: .agent, sessionID: "session_test", text: "a long agent reply")))
            }

            func testRefusesALimitThatCannotWork() {
                XCTAssertThrowsError(try \(name)(configuration: .init(limit: 0)))
            }

            func testConforms() async {
                let failures = await PluginConformance.check(\(name).self, configuration: .init())
                XCTAssertEqual(failures, [])
            }
        }

        """
    }

    var docs: String {
        """
        # \(id)

        \(summary)

        Code: `Plugins/\(name)/\(name).swift`; tests: `Tests/\(name)Tests/` (run them with
        `swift test --filter \(name)Tests`). Scaffolded by `sanctum plugin new \(id)`; the guide to
        grow it is [../plugins.md](../plugins.md).

        ## Configuration

        ```yaml
        tiers:
          premium: { plugins: [\(id)] }
        plugins:
          \(id):
            limit: 2000        # optional: visitor messages longer than this are refused
        sites:
          - { id: acme, tier: premium, widget_key: pk_acme_123 }
        ```

        ## What visitors and agents see

        A visitor message over the limit is refused with status 400 and nothing is stored:

        ```json
        {"success": false, "error": "This message is longer than 2000 characters",
         "error_code": "\(codePrefix).too_long", "localization_key": "error.message_too_long"}
        ```

        """
    }
}
