@testable import SanctumHost
@testable import SanctumServices
import Foundation
import PluginAPI
import Synchronization

/// Counts what the probe plugins saw, across the server under test.
final class ProbeRecorder: Sendable {
    static let shared = ProbeRecorder()
    private let events = Mutex<[String]>([])
    func record(_ event: String) { events.withLock { $0.append(event) } }
    func reset() { events.withLock { $0.removeAll() } }
    var all: [String] { events.withLock { $0 } }
}

/// A "premium" feature: a route, a validator, an observer and a widget module.
struct PremiumProbe: Plugin {
    static let descriptor = PluginDescriptor(id: "premium-probe", version: "1.0.0",
                                             capabilities: [.routes, .validateMessages, .observeMessages, .widgetModule],
                                             summary: "test: records what reaches it")
    init(configuration: NoConfiguration) {}

    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(
            validators: [MessageValidator(name: "record") { draft, context in
                ProbeRecorder.shared.record("validate:\(context.site.id):\(draft.text)")
                return .allow
            }],
            observers: [MessageObserver(name: "record", observe: { message in
                ProbeRecorder.shared.record("observe:\(message.site.id):\(message.kind.rawValue):\(message.text)")
            }, rejected: { rejection in
                ProbeRecorder.shared.record("rejected:\(rejection.site.id):\(rejection.pluginID):\(rejection.code):\(rejection.text)")
            })],
            routes: [PluginRoute("GET", "/ping", access: .public) { request in
                try .json(["site": request.site.id, "tier": request.site.tier])
            }, PluginRoute("POST", "/announce", access: .public) { request in
                await host.publish(PluginEvent(name: "premium-probe.announced", siteID: request.site.id, attributes: ["by": "route"]))
                return try .json(["published": "yes"])
            }],
            widgetModule: WidgetModule(javascript: "/* probe */", options: ["greeting": "hi"]))
    }
}

/// Appends a configurable suffix (to observe hook order).
struct SuffixA: Plugin {
    struct Configuration: Decodable, Sendable {
        var suffix = "-a"
        enum CodingKeys: CodingKey { case suffix }
        init(from decoder: any Decoder) throws {
            suffix = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .suffix) ?? "-a"
        }
    }
    static let descriptor = PluginDescriptor(id: "suffix-a", version: "1", capabilities: [.transformMessages], summary: "test")
    let suffix: String
    init(configuration: Configuration) { suffix = configuration.suffix }
    func activate(host: any PluginHost) async throws -> PluginContributions {
        let suffix = suffix
        return PluginContributions(transformers: [MessageTransformer(name: "append") { draft, _ in draft.text + suffix }])
    }
}

/// Appends `-b`.
struct SuffixB: Plugin {
    static let descriptor = PluginDescriptor(id: "suffix-b", version: "1", capabilities: [.transformMessages], summary: "test")
    init(configuration: NoConfiguration) {}
    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(transformers: [MessageTransformer(name: "append") { draft, _ in draft.text + "-b" }])
    }
}

/// Misbehaves on purpose: a validator that sleeps past its budget (policy from config), an
/// observer that throws, and a validator that throws when the text says so.
struct Misbehaving: Plugin {
    struct Configuration: Decodable, Sendable { var policy: String = "fail-open" }
    static let descriptor = PluginDescriptor(id: "misbehaving", version: "1", capabilities: [.validateMessages, .observeMessages], summary: "test")
    let policy: FailurePolicy
    init(configuration: Configuration) { policy = FailurePolicy(rawValue: configuration.policy) ?? .failOpen }
    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(
            validators: [MessageValidator(name: "moody", budget: .milliseconds(100), policy: policy) { draft, _ in
                if draft.text.contains("slow") { try await Task.sleep(for: .seconds(10)) }
                if draft.text.contains("throw") { throw CocoaError(.featureUnsupported) }
                return .allow
            }],
            observers: [MessageObserver(name: "explode") { _ in throw CocoaError(.featureUnsupported) }])
    }
}

/// Refuses activation.
struct Refuser: Plugin {
    static let descriptor = PluginDescriptor(id: "refuser", version: "1", capabilities: [.validateMessages], summary: "test")
    init(configuration: NoConfiguration) {}
    func activate(host: any PluginHost) async throws -> PluginContributions { throw PluginRefusal("not today") }
}

/// Uses its storage through the host.
struct Counter: Plugin {
    static let descriptor = PluginDescriptor(id: "counter", version: "1", capabilities: [.routes, .storage], summary: "test")
    init(configuration: NoConfiguration) {}
    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(routes: [PluginRoute("POST", "/hit", access: .public) { _ in
            try .json(["hits": try await host.storage.increment("hits")])
        }])
    }
}

/// Uses storage without declaring the `storage` capability: from a route (which reports the
/// error) and from a fail-closed validator (so the message is refused).
struct Forgetful: Plugin {
    static let descriptor = PluginDescriptor(id: "forgetful", version: "1", capabilities: [.routes, .validateMessages], summary: "test")
    init(configuration: NoConfiguration) {}
    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(
            validators: [MessageValidator(name: "remember", policy: .failClosed) { draft, _ in
                try await host.storage.set(Data(draft.text.utf8), for: "last")
                return .allow
            }],
            routes: [PluginRoute("POST", "/remember", access: .public) { _ in
                do {
                    try await host.storage.set(Data("x".utf8), for: "last")
                    return try .json(["stored": true])
                } catch {
                    return try .json(["error": String(describing: error), "type": String(describing: type(of: error))], status: 500)
                }
            }])
    }
}

/// One route per access level (and one that throws), each answering who called it for which site.
struct AccessProbe: Plugin {
    static let descriptor = PluginDescriptor(id: "access-probe", version: "1", minimumAPIVersion: PluginAPIVersion(2, 1),
                                             capabilities: [.routes], summary: "test: route access")
    init(configuration: NoConfiguration) {}
    func activate(host: any PluginHost) async throws -> PluginContributions {
        let whoCalled: @Sendable (PluginRequest) async throws -> PluginResponse = { request in
            try .json(["caller": request.caller.rawValue, "site": request.site.id])
        }
        return PluginContributions(routes: [
            PluginRoute("GET", "/public", access: .public, handle: whoCalled),
            PluginRoute("GET", "/agents", handle: whoCalled),
            PluginRoute("GET", "/admin", access: .admin, handle: whoCalled),
            PluginRoute("GET", "/boom", access: .public) { _ in throw CocoaError(.featureUnsupported) },
        ])
    }
}

extension PluginRegistry {
    /// The shipped plugins plus the probes.
    static let withProbes = PluginRegistry.shipped.adding([PremiumProbe.self, SuffixA.self, SuffixB.self, Misbehaving.self, Refuser.self,
                                                          Counter.self, Forgetful.self, AccessProbe.self, ModuleProbe.self])
}

/// A widget module with CSS and a German strings file (the module tests).
struct ModuleProbe: Plugin {
    static let descriptor = PluginDescriptor(id: "module-probe", version: "2.0.0", capabilities: [.widgetModule], summary: "test: a widget module")
    static let script = "SanctumChat.module('module-probe', function () {});"
    init(configuration: NoConfiguration) {}
    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(widgetModule: WidgetModule(javascript: Self.script, css: ".probe { color: red }",
                                                       strings: ["de": Data(#"{"hello":"Hallo"}"#.utf8)], options: ["mode": "test"]))
    }
}
