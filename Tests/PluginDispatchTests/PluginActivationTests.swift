import Foundation
import PluginAPI
import PluginDispatch
import PluginTesting
import XCTest

/// The activation rules the server and the test kit share (``PluginActivation``).
final class PluginActivationTests: XCTestCase {
    /// Uses storage from a validator; declares `storage` only when told to.
    struct Remembering: Plugin {
        struct Configuration: Decodable, Sendable {
            var declareStorage = false
            init(declareStorage: Bool) { self.declareStorage = declareStorage }
            init(from decoder: any Decoder) throws {}
        }
        static let descriptor = PluginDescriptor(id: "remembering", version: "1", capabilities: [.validateMessages], summary: "test")
        init(configuration: Configuration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(validators: [MessageValidator(name: "remember", policy: .failClosed) { draft, _ in
                try await host.storage.set(Data(draft.text.utf8), for: "last")
                return .allow
            }])
        }
    }

    func testStorageWithoutTheCapabilityThrowsCapabilityNotDeclared() async throws {
        let host = MockHost()
        host.onUnexpectedCall = { XCTFail($0) }
        host.allowStorage()
        let restricted = PluginActivation.restrict(host, to: Remembering.descriptor)
        do {
            try await restricted.storage.set(Data("x".utf8), for: "k")
            XCTFail("undeclared storage worked")
        } catch let error as CapabilityNotDeclared {
            XCTAssertEqual(error, CapabilityNotDeclared(.storage))
        }
        var declared = Remembering.descriptor
        declared.capabilities.insert(.storage)
        try await PluginActivation.restrict(host, to: declared).storage.set(Data("x".utf8), for: "k")
        let stored = try await host.storage.value(for: "k")
        XCTAssertEqual(stored, Data("x".utf8), "a declared capability passes through to the host")
    }

    func testTheHarnessAppliesTheCapabilityCheck() async throws {
        let host = MockHost()
        host.onUnexpectedCall = { XCTFail($0) }
        host.allowStorage()
        let harness = try await HookHarness(Remembering.self, configuration: .init(declareStorage: false), host: host)
        let outcome = await harness.prepare(visitor: "hi")
        guard case .reject(HookPipeline.unavailableCode, _, _, "remembering") = outcome else {
            return XCTFail("a fail-closed hook that used undeclared storage must fail: \(outcome)")
        }
        XCTAssertTrue(host.logs.contains { $0.message.contains(CapabilityNotDeclared(.storage).description) }, "\(host.logs)")
    }

    func testUndeclaredContributionsRefuseThePlugin() async throws {
        struct Overreaching: Plugin {
            static let descriptor = PluginDescriptor(id: "overreaching", version: "1", capabilities: [.validateMessages], summary: "test")
            init(configuration: NoConfiguration) {}
            func activate(host: any PluginHost) async throws -> PluginContributions {
                PluginContributions(routes: [PluginRoute("GET", "/x") { _ in PluginResponse() }])
            }
        }
        do {
            _ = try await HookHarness(Overreaching.self, configuration: NoConfiguration())
            XCTFail("activated")
        } catch let refusal as ActivationRefusal {
            XCTAssertEqual(refusal, ActivationRefusal(pluginID: "overreaching", reason: "contributes undeclared capabilities [\"routes\"]"))
        }
    }

    func testAPluginThatNeedsANewerAPIIsRefusedBeforeItIsCreated() {
        let descriptor = PluginDescriptor(id: "future", version: "1", minimumAPIVersion: PluginAPIVersion(PluginAPIVersion.current.major + 1, 0),
                                          capabilities: [], summary: "test")
        XCTAssertThrowsError(try PluginActivation.checkCompatibility(descriptor)) { error in
            XCTAssertEqual((error as? ActivationRefusal)?.reason,
                           "needs PluginAPI \(descriptor.minimumAPIVersion); this server has \(PluginAPIVersion.current)")
        }
        XCTAssertNoThrow(try PluginActivation.checkCompatibility(Remembering.descriptor))
    }
}
