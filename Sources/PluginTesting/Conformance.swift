import Foundation
import PluginAPI
import PluginDispatch

/// A broken rule found by ``PluginConformance``.
public struct ConformanceFailure: Sendable, Equatable, CustomStringConvertible {
    /// Which rule.
    public var rule: String
    /// What was found.
    public var detail: String
    /// `rule: detail`, for test failure messages.
    public var description: String { "\(rule): \(detail)" }
}

/// The checks every plugin target runs in its tests:
///
/// - the descriptor is well formed (id shape, a PluginAPI version this build satisfies);
/// - it declares exactly what it contributes (no undeclared contribution, no unused declaration
///   except `storage`);
/// - hook names are unique and budgets positive;
/// - a widget module registers under the plugin's id (`SanctumChat.module('<id>'`) and its
///   strings files are JSON objects;
/// - on the sample messages, every validator and transformer answers within its budget without
///   throwing, and gives the same answer for the same input;
/// - it uses nothing of the host it was not given (``MockHost`` reports unscripted calls).
public enum PluginConformance {
    /// Runs every check; an empty result means the plugin conforms.
    public static func check<P: Plugin>(_ type: P.Type, configuration: P.Configuration,
                                        samples: [String] = PluginConformance.sampleMessages,
                                        site: SiteInfo = SiteInfo(id: "conformance", tier: "test", allowedOrigins: ["https://example.com"])) async -> [ConformanceFailure] {
        var failures: [ConformanceFailure] = []
        func fail(_ rule: String, _ detail: String) { failures.append(ConformanceFailure(rule: rule, detail: detail)) }
        let descriptor = P.descriptor
        if !descriptor.hasValidID { fail("descriptor.id", "'\(descriptor.id)' must be lowercase letters, digits and '-'") }
        if !PluginAPIVersion.current.satisfies(descriptor.minimumAPIVersion) {
            fail("descriptor.minimumAPIVersion", "\(descriptor.minimumAPIVersion) is not satisfied by \(PluginAPIVersion.current)")
        }
        let host = MockHost()
        let unexpected = host.recordUnexpectedCalls()
        if descriptor.capabilities.contains(.storage) { host.allowStorage() }
        host.allowPublishing()
        let contributions: PluginContributions
        do {
            contributions = try await P(configuration: configuration).activate(host: host)
        } catch {
            fail("activate", "threw \(error)")
            return failures
        }
        let used = contributions.usedCapabilities
        for capability in used.subtracting(descriptor.capabilities) {
            fail("capabilities", "contributes \(capability.rawValue) without declaring it")
        }
        // Host services (storage, outbound HTTP, sockets) are used, not contributed: declaring them is not checked here.
        for capability in descriptor.capabilities.subtracting(used).subtracting([.storage, .outboundHTTP, .sockets]) {
            fail("capabilities", "declares \(capability.rawValue) but contributes none")
        }
        let names = contributions.validators.map(\.name) + contributions.transformers.map(\.name)
            + contributions.observers.map(\.name) + contributions.authorizers.map(\.name)
        if Set(names).count != names.count { fail("hooks", "hook names must be unique: \(names)") }
        let budgets = contributions.validators.map(\.budget) + contributions.transformers.map(\.budget)
            + contributions.observers.map(\.budget) + contributions.authorizers.map(\.budget)
        if budgets.contains(where: { $0 <= .zero }) { fail("hooks", "every budget must be positive") }
        if let module = contributions.widgetModule {
            if !["'", "\""].contains(where: { module.javascript.contains("SanctumChat.module(\($0)\(descriptor.id)\($0)") }) {
                fail("widgetModule", "module.js must call SanctumChat.module('\(descriptor.id)', …)")
            }
            for (language, strings) in module.strings where !((try? JSONSerialization.jsonObject(with: strings)) is [String: Any]) {
                fail("widgetModule", "the \(language) strings file is not a JSON object")
            }
        }

        /// Runs a hook twice on the same input: a missed budget, a throw or two answers fail.
        func runTwice<Value: Sendable & Equatable>(_ kind: String, _ name: String, budget: Duration, text: String,
                                                   _ hook: @escaping @Sendable () async throws -> Value) async {
            let first = await Deadline.run(within: budget, hook)
            let second = await Deadline.run(within: budget, hook)
            switch (first, second) {
            case (.value(let a), .value(let b)) where a != b:
                fail("determinism", "\(kind) \(name) answered \(a) then \(b) for \(text.debugDescription)")
            case (.timedOut, _), (_, .timedOut):
                fail("deadline", "\(kind) \(name) missed its \(budget) budget")
            case (.failed(let error), _):
                fail(kind, "\(name) threw \(error) for \(text.debugDescription)")
            default: break
            }
        }
        let context = HookContext(site: site, clientIP: "127.0.0.1", origin: site.allowedOrigins.first)
        for text in samples {
            for kind in MessageKind.allCases {
                let draft = MessageDraft(kind: kind, sessionID: "session_conformance", text: text)
                for validator in contributions.validators where validator.kinds.contains(kind) {
                    await runTwice("validator", validator.name, budget: validator.budget, text: text) { try await validator.validate(draft, context) }
                }
                for transformer in contributions.transformers where transformer.kinds.contains(kind) {
                    await runTwice("transformer", transformer.name, budget: transformer.budget, text: text) {
                        try await transformer.rewrite(draft, context)
                    }
                }
            }
        }
        for authorizer in contributions.authorizers {
            let request = AuthRequest(method: "GET", path: "/api/v1/", clientIP: "127.0.0.1", origin: context.origin, site: site)
            if case .timedOut = await Deadline.run(within: authorizer.budget, { try await authorizer.authorize(request) }) {
                fail("deadline", "authorizer \(authorizer.name) missed its \(authorizer.budget) budget")
            }
        }
        for call in unexpected.calls { fail("host", call) }
        return failures
    }

    /// Messages every plugin must handle: plain, empty-looking, long, right-to-left, markup,
    /// emoji, control characters.
    public static let sampleMessages = [
        "Hello, I have a question about my order.",
        "\u{200B}",
        String(repeating: "long text ", count: 1000),
        "مرحبا، أحتاج إلى مساعدة",
        "<script>alert(1)</script><img src=x onerror=alert(1)>",
        "👍🏽 café naïve 漢字",
        "line one\nline two\ttab",
    ]
}
