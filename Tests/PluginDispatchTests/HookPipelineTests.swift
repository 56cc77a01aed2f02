import Foundation
import PluginAPI
import PluginDispatch
import PluginTesting
import Synchronization
import XCTest

final class HookPipelineTests: XCTestCase {
    let context = HookContext(site: SiteInfo(id: "s", tier: "t"))
    let draft = MessageDraft(kind: .visitor, sessionID: "session_x", text: "hi")

    private func pipeline(_ configurations: [ScriptedPlugin.Configuration], breaker: CircuitBreakerPolicy = .init(),
                          clock: ManualClock = ManualClock(),
                          log: (@Sendable (PluginLogLevel, String) -> Void)? = nil) async throws -> HookPipeline {
        var plugins: [ActivatedPlugin] = []
        for c in configurations { plugins.append(try await .scripted(c)) }
        return HookPipeline(plugins: plugins, breaker: breaker, clock: clock, log: log ?? { _, _ in })
    }

    func testHooksRunInTheEnabledOrderValidatorsBeforeTransformers() async throws {
        let log = CallLog()
        let p = try await pipeline([
            .init(id: "a", [.append("-a"), .allow], log: log),
            .init(id: "b", [.allow, .append("-b")], log: log),
        ])
        let forward = await p.prepare(draft, context: context, enabled: ["b", "a"])
        XCTAssertEqual(log.all, ["b#0", "a#1", "b#1", "a#0"])
        XCTAssertEqual(forward, .accept(MessageDraft(kind: .visitor, sessionID: "session_x", text: "hi-b-a")))
        let onlyA = await p.prepare(draft, context: context, enabled: ["a"])
        XCTAssertEqual(onlyA, .accept(MessageDraft(kind: .visitor, sessionID: "session_x", text: "hi-a")), "plugins not enabled never run")
    }

    func testFirstRejectionWinsAndStopsTheChain() async throws {
        let log = CallLog()
        let p = try await pipeline([.init(id: "a", [.reject("a.no")], log: log), .init(id: "b", [.reject("b.no"), .append("!")], log: log)])
        let outcome = await p.prepare(draft, context: context, enabled: ["a", "b"])
        XCTAssertEqual(outcome, .reject(code: "a.no", localizationKey: "key.a.no", message: "rejected by a#0", pluginID: "a"))
        XCTAssertEqual(log.all, ["a#0"])
    }

    func testSlowHookIsCutAtItsBudgetAndFollowsItsPolicy() async throws {
        let open = try await pipeline([.init(id: "slow", [.slow(.seconds(5))], policy: .failOpen)])
        let start = ContinuousClock.now
        let allowed = await open.prepare(draft, context: context, enabled: ["slow"])
        XCTAssertEqual(allowed, .accept(draft))
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2), "the request did not wait for the slow hook")

        let closed = try await pipeline([.init(id: "slow", [.slow(.seconds(5))], policy: .failClosed)])
        let rejected = await closed.prepare(draft, context: context, enabled: ["slow"])
        guard case .reject(let code, _, _, let plugin) = rejected else { return XCTFail("fail-closed hook allowed") }
        XCTAssertEqual(code, HookPipeline.unavailableCode)
        XCTAssertEqual(plugin, "slow")
    }

    func testAHookThatIgnoresCancellationStillCannotHoldTheRequest() async throws {
        let p = try await pipeline([.init(id: "hang", [.hang], policy: .failOpen)])
        let start = ContinuousClock.now
        let outcome = await p.prepare(draft, context: context, enabled: ["hang"])
        XCTAssertEqual(outcome, .accept(draft))
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(400))
    }

    func testThrowingHooksFollowTheirPolicy() async throws {
        let open = try await pipeline([.init(id: "t", [.throwError], policy: .failOpen)])
        let allowed = await open.prepare(draft, context: context, enabled: ["t"])
        XCTAssertEqual(allowed, .accept(draft))
        let closed = try await pipeline([.init(id: "t", [.throwError], policy: .failClosed)])
        let rejected = await closed.prepare(draft, context: context, enabled: ["t"])
        guard case .reject(HookPipeline.unavailableCode, _, _, _) = rejected else { return XCTFail("expected unavailable") }
    }

    func testAThrowingObserverNeverFailsAnything() async throws {
        let log = CallLog()
        let p = try await pipeline([.init(id: "o", [.observeThrowing], log: log), .init(id: "p", [.observeThrowing], log: log)])
        let message = StoredMessage(kind: .visitor, id: 1, sessionID: "session_x", text: "hi", site: context.site, storedAt: Date())
        await p.notify(message, enabled: ["o", "p"])
        XCTAssertEqual(log.all, ["o#0", "p#0"], "a throwing observer does not stop the next one")
    }

    func testAPluginThatKeepsFailingIsSwitchedOffLoudlyThenTriedAgain() async throws {
        let log = CallLog()
        let lines = CallLog()
        let clock = ManualClock()
        let p = try await pipeline([.init(id: "flaky", [.throwError], policy: .failOpen, log: log)],
                                   breaker: CircuitBreakerPolicy(failureThreshold: 3, coolDown: .seconds(30)), clock: clock,
                                   log: { level, message in if level == .error { lines.record(message) } })
        for _ in 0..<10 { _ = await p.prepare(draft, context: context, enabled: ["flaky"]) }
        XCTAssertEqual(log.all.count, 3, "after 3 failures the hook is no longer called")
        XCTAssertTrue(p.isSwitchedOff("flaky"))
        XCTAssertEqual(lines.all.count, 1, "one loud line")
        XCTAssertTrue(lines.all[0].contains("PLUGIN SWITCHED OFF: flaky"))
        clock.advance(by: .seconds(29))
        XCTAssertTrue(p.isSwitchedOff("flaky"), "still off before the cool-down ends")
        clock.advance(by: .seconds(1))
        XCTAssertFalse(p.isSwitchedOff("flaky"))
        _ = await p.prepare(draft, context: context, enabled: ["flaky"])
        XCTAssertEqual(log.all.count, 4, "tried again after the cool-down")
        XCTAssertFalse(p.isSwitchedOff("flaky"), "one failure after the cool-down does not switch it off again")
    }

    func testASuccessResetsTheFailureCount() async throws {
        let log = CallLog()
        let p = try await pipeline([.init(id: "moody", [.throwError], policy: .failOpen, log: log), .init(id: "fine", [.allow])],
                                   breaker: CircuitBreakerPolicy(failureThreshold: 2, coolDown: .seconds(30)))
        _ = await p.prepare(draft, context: context, enabled: ["moody"])
        XCTAssertFalse(p.isSwitchedOff("moody"))
        _ = await p.prepare(draft, context: context, enabled: ["fine"])
        XCTAssertFalse(p.isSwitchedOff("fine"), "another plugin's success or failure counts only for itself")
        _ = await p.prepare(draft, context: context, enabled: ["moody"])
        XCTAssertTrue(p.isSwitchedOff("moody"))
    }

    func testTheHarnessTakesAClockForTheBreaker() async throws {
        struct AlwaysThrows: Plugin {
            static let descriptor = PluginDescriptor(id: "always-throws", version: "1", capabilities: [.validateMessages], summary: "bad")
            init(configuration: NoConfiguration) {}
            func activate(host: any PluginHost) async throws -> PluginContributions {
                PluginContributions(validators: [MessageValidator(name: "v") { _, _ in throw CocoaError(.featureUnsupported) }])
            }
        }
        let clock = ManualClock()
        let host = MockHost()
        host.onUnexpectedCall = { XCTFail($0) }
        let harness = try await HookHarness(plugins: [(AlwaysThrows.self, NoConfiguration())], host: host,
                                            breaker: CircuitBreakerPolicy(failureThreshold: 1, coolDown: .seconds(10)), clock: clock)
        _ = await harness.prepare(visitor: "hi")
        XCTAssertTrue(harness.pipeline.isSwitchedOff("always-throws"))
        XCTAssertTrue(host.logs.contains { $0.level == .error && $0.message.contains("PLUGIN SWITCHED OFF: always-throws") })
        clock.advance(by: .seconds(10))
        XCTAssertFalse(harness.pipeline.isSwitchedOff("always-throws"))
    }

    func testSwitchedOffFailClosedPluginKeepsRejecting() async throws {
        let p = try await pipeline([.init(id: "guard", [.throwError], policy: .failClosed)],
                                   breaker: CircuitBreakerPolicy(failureThreshold: 1, coolDown: .seconds(60)))
        _ = await p.prepare(draft, context: context, enabled: ["guard"])
        XCTAssertTrue(p.isSwitchedOff("guard"))
        let outcome = await p.prepare(draft, context: context, enabled: ["guard"])
        guard case .reject(HookPipeline.unavailableCode, _, _, _) = outcome else { return XCTFail("a switched-off guard must not open") }
    }

    func testAuthorizerFolding() async throws {
        let deny = AuthVerdict.deny(status: 403, code: "x", message: "no")
        let p = try await pipeline([.init(id: "abstain", [.authorize(.abstain)]), .init(id: "allow", [.authorize(.allow)]),
                                    .init(id: "deny", [.authorize(deny)])])
        let request = AuthRequest(method: "GET", path: "/", site: context.site)
        let none = await p.authorize(request, enabled: [])
        XCTAssertEqual(none, .abstain)
        let abstain = await p.authorize(request, enabled: ["abstain"])
        XCTAssertEqual(abstain, .abstain)
        let allow = await p.authorize(request, enabled: ["abstain", "allow"])
        XCTAssertEqual(allow, .allow)
        let denied = await p.authorize(request, enabled: ["allow", "deny"])
        XCTAssertEqual(denied, deny)
    }

    func testATransformerReplacesOnlyTheTextAndSeesThePreviousOutput() async throws {
        struct Shout: Plugin {
            static let descriptor = PluginDescriptor(id: "shout", version: "1", capabilities: [.transformMessages], summary: "test")
            init(configuration: NoConfiguration) {}
            func activate(host: any PluginHost) async throws -> PluginContributions {
                PluginContributions(transformers: [
                    MessageTransformer(name: "upper", kinds: [.visitor, .agent]) { draft, _ in draft.text.uppercased() },
                    MessageTransformer(name: "bang", kinds: [.agent]) { draft, _ in draft.text + "!" },
                ])
            }
        }
        let harness = try await HookHarness(Shout.self, configuration: NoConfiguration())
        let visitor = await harness.prepare(visitor: "hi", sessionID: "session_v")
        XCTAssertEqual(visitor, .accept(MessageDraft(kind: .visitor, sessionID: "session_v", text: "HI")))
        let agent = await harness.prepare(agent: "ok", sessionID: "session_a")
        XCTAssertEqual(agent, .accept(MessageDraft(kind: .agent, sessionID: "session_a", text: "OK!")),
                       "the second transformer gets the first one's text; kind and session are kept")
    }
}
