import Foundation
import PluginAPI
import PluginTesting
import Synchronization
import XCTest

/// `PluginTesting` as plugin authors use it: the conformance suite, `MockHost`, versions.
final class TestKitTests: XCTestCase {
    func testConformanceFlagsUndeclaredAndUnusedCapabilities() async throws {
        struct Sloppy: Plugin {
            static let descriptor = PluginDescriptor(id: "Sloppy_ID", version: "1", capabilities: [.routes], summary: "bad")
            init(configuration: NoConfiguration) {}
            func activate(host: any PluginHost) async throws -> PluginContributions {
                PluginContributions(validators: [MessageValidator(name: "v") { _, _ in .allow }])
            }
        }
        let failures = await PluginConformance.check(Sloppy.self, configuration: NoConfiguration())
        XCTAssertEqual(Set(failures.map(\.rule)), ["descriptor.id", "capabilities"])
        XCTAssertEqual(failures.filter { $0.rule == "capabilities" }.count, 2)
    }

    func testConformanceFlagsATransformerThatAnswersDifferentlyForTheSameInput() async throws {
        final class Calls: Sendable { let count = Mutex(0) }
        struct Counting: Plugin {
            static let descriptor = PluginDescriptor(id: "counting", version: "1", capabilities: [.transformMessages], summary: "bad")
            let calls = Calls()
            init(configuration: NoConfiguration) {}
            func activate(host: any PluginHost) async throws -> PluginContributions {
                PluginContributions(transformers: [MessageTransformer(name: "n") { [calls] draft, _ in
                    draft.text + String(calls.count.withLock { $0 += 1; return $0 })
                }])
            }
        }
        let failures = await PluginConformance.check(Counting.self, configuration: NoConfiguration(), samples: ["hi"])
        XCTAssertEqual(failures.map(\.rule), ["determinism"])
    }

    func testConformanceFlagsAWidgetModuleUnderAnotherIDAndAStringsFileThatIsNoObject() async throws {
        struct Mislabelled: Plugin {
            static let descriptor = PluginDescriptor(id: "mislabelled", version: "1", capabilities: [.widgetModule], summary: "bad")
            init(configuration: NoConfiguration) {}
            func activate(host: any PluginHost) async throws -> PluginContributions {
                PluginContributions(widgetModule: WidgetModule(javascript: "SanctumChat.module('other', function () {});",
                                                               strings: ["de": Data("[1]".utf8)]))
            }
        }
        let failures = await PluginConformance.check(Mislabelled.self, configuration: NoConfiguration())
        XCTAssertEqual(failures.map(\.rule), ["widgetModule", "widgetModule"])
        XCTAssertTrue(failures[0].detail.contains("SanctumChat.module('mislabelled'"), failures[0].detail)
    }

    func testMockHostReportsUnscriptedCalls() async throws {
        let host = MockHost()
        let calls = Mutex<[String]>([])
        host.onUnexpectedCall = { call in calls.withLock { $0.append(call) } }
        _ = try? await host.storage.value(for: "x")
        await host.publish(PluginEvent(name: "x.y"))
        XCTAssertEqual(calls.withLock { $0.count }, 2)
        let storage = host.allowStorage()
        try await storage.set(Data("v".utf8), for: "k")
        let value = try await host.storage.value(for: "k")
        XCTAssertEqual(value, Data("v".utf8))
        XCTAssertEqual(calls.withLock { $0.count }, 2)
    }

    func testVersionCompatibility() {
        XCTAssertTrue(PluginAPIVersion(2, 2, 0).satisfies(PluginAPIVersion(2, 0)))
        XCTAssertFalse(PluginAPIVersion(2, 0, 0).satisfies(PluginAPIVersion(2, 1)))
        XCTAssertFalse(PluginAPIVersion(2, 0, 0).satisfies(PluginAPIVersion(1, 0)), "a new major runs no plugin built for the old one")
        XCTAssertEqual(PluginDescriptor(id: "x", version: "1", capabilities: [], summary: "").minimumAPIVersion,
                       PluginAPIVersion(PluginAPIVersion.current.major, 0), "the default minimum is the current major's first release")
    }
}
