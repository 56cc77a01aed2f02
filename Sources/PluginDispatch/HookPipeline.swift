import Foundation
import PluginAPI

/// A plugin after activation, as the pipeline runs it.
public struct ActivatedPlugin: Sendable {
    /// The plugin's descriptor id; the `enabled` lists of the pipeline name plugins by it.
    public var id: String
    /// What the plugin registered in ``Plugin/activate(host:)``.
    public var contributions: PluginContributions

    /// An activated plugin from its id and contributions (``PluginActivation`` builds these
    /// with the server's checks; tests and benchmarks may build them directly).
    public init(id: String, contributions: PluginContributions) {
        self.id = id
        self.contributions = contributions
    }
}

/// The outcome of running validators and transformers over a draft.
public enum PreparedMessage: Sendable, Equatable {
    /// Store this draft: the original kind and session with the text the last transformer returned.
    case accept(MessageDraft)
    /// Refuse the message; `pluginID` names the plugin that decided.
    case reject(code: String, localizationKey: String, message: String, pluginID: String)
}

/// The hook dispatcher: runs the hooks of the plugins a site enables, in the site's plugin
/// order, each under its time budget and failure policy, and folds their verdicts.
///
/// Rules (the contract of `docs/plugin-api.md`):
/// - Order: the order of the `enabled` list (the config order of the site's tier); within a
///   plugin, the order of its contributions.
/// - Validators: the first rejection wins and later validators are not run.
/// - Transformers: run after all validators, each on the previous one's text; only the text
///   and the transformer's own namespace of the metadata (its plugin id) can change. Metadata
///   over ``MessageMetadata/maximumSize`` counts as a failure of the transformer that caused it.
/// - Authorizers: the first deny wins; otherwise allow if any allowed, else abstain.
/// - A hook that throws or misses its budget follows its policy: fail-open continues as if it
///   allowed (or left the text unchanged, or abstained); fail-closed rejects the message with
///   `plugin.unavailable` (or denies the request with 503).
/// - Observers of committed messages (``notify(_:enabled:)``) and of rejected ones
///   (``notifyRejected(_:enabled:)``) run in the same order; their failures only count.
/// - A plugin failing `failureThreshold` times in a row is switched off for `coolDown` with one
///   loud log line; while off, its hooks are not called and their policy applies at once. The
///   cool-down is measured on the injected clock.
public final class HookPipeline: Sendable {
    /// Code of the rejection a fail-closed hook produces when it fails.
    public static let unavailableCode = "plugin.unavailable"

    private let plugins: [String: ActivatedPlugin]
    private let breaker: CircuitBreaker
    private let log: @Sendable (PluginLogLevel, String) -> Void
    private let observe: @Sendable (HookCall) -> Void

    /// A pipeline over `plugins` (any order: the `enabled` list of each call decides).
    ///
    /// `clock` times the circuit breaker's cool-down (tests pass a manual clock and move it);
    /// hook budgets are always real time. `log` receives the pipeline's warnings and the loud
    /// switch-off line; `observe` is told every hook call (metrics); neither may block.
    public init<C: Clock>(plugins: [ActivatedPlugin], breaker: CircuitBreakerPolicy = CircuitBreakerPolicy(),
                          clock: C = ContinuousClock(),
                          log: @escaping @Sendable (PluginLogLevel, String) -> Void = { _, _ in },
                          observe: @escaping @Sendable (HookCall) -> Void = { _ in }) where C.Duration == Duration {
        self.plugins = Dictionary(plugins.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.breaker = CircuitBreaker(policy: breaker, clock: clock)
        self.log = log
        self.observe = observe
    }

    /// Whether any enabled plugin has an authorizer that applies to `site` (lets the host skip
    /// building the request).
    public func hasAuthorizers(for site: SiteInfo, enabled: [String]) -> Bool {
        enabled.contains { id in plugins[id]?.contributions.authorizers.contains { $0.appliesTo(site) } ?? false }
    }

    /// Whether any enabled plugin has a hook of this kind (lets the host skip work).
    public func hasMessageHooks(for kind: MessageKind, enabled: [String]) -> Bool {
        enabled.contains { id in
            guard let c = plugins[id]?.contributions else { return false }
            return c.validators.contains { $0.kinds.contains(kind) } || c.transformers.contains { $0.kinds.contains(kind) }
        }
    }

    /// Runs validators, then transformers, of the `enabled` plugins over `draft`.
    public func prepare(_ draft: MessageDraft, context: HookContext, enabled: [String]) async -> PreparedMessage {
        for id in enabled {
            guard let plugin = plugins[id] else { continue }
            for validator in plugin.contributions.validators where validator.kinds.contains(draft.kind) {
                let outcome = await call(id, validator.name, budget: validator.budget) { try await validator.validate(draft, context) }
                switch outcome {
                case .value(.allow): continue
                case .value(.reject(let code, let key, let message)):
                    return .reject(code: code, localizationKey: key, message: message, pluginID: id)
                case .failed, .timedOut:
                    if validator.policy == .failClosed { return unavailable(id) }
                }
            }
        }
        var current = draft
        for id in enabled {
            guard let plugin = plugins[id] else { continue }
            for transformer in plugin.contributions.transformers where transformer.kinds.contains(draft.kind) {
                let input = current
                switch await call(id, transformer.name, budget: transformer.budget, { try await Self.rewrite(input, with: transformer, of: id, context) }) {
                case .value(let rewritten): current = rewritten
                case .failed, .timedOut:
                    if transformer.policy == .failClosed { return unavailable(id) }
                }
            }
        }
        return .accept(current)
    }

    /// Runs the authorizers of the `enabled` plugins and folds their verdicts.
    public func authorize(_ request: AuthRequest, enabled: [String]) async -> AuthVerdict {
        var allowed = false
        for id in enabled {
            guard let plugin = plugins[id] else { continue }
            for authorizer in plugin.contributions.authorizers where authorizer.appliesTo(request.site) {
                let outcome = await call(id, authorizer.name, budget: authorizer.budget) { try await authorizer.authorize(request) }
                switch outcome {
                case .value(.allow): allowed = true
                case .value(.abstain): continue
                case .value(let deny): return deny
                case .failed, .timedOut:
                    if authorizer.policy == .failClosed {
                        return .deny(status: 503, code: Self.unavailableCode, message: "Service temporarily unavailable")
                    }
                }
            }
        }
        return allowed ? .allow : .abstain
    }

    /// Runs the observers of the `enabled` plugins for a committed message. Failures are logged
    /// and counted; nothing is returned to the request that stored the message.
    public func notify(_ message: StoredMessage, enabled: [String]) async {
        for id in enabled {
            guard let plugin = plugins[id] else { continue }
            for observer in plugin.contributions.observers where observer.kinds.contains(message.kind) {
                _ = await call(id, observer.name, budget: observer.budget) { try await observer.observe(message) }
            }
        }
    }

    /// Runs the rejection observers of the `enabled` plugins for a message that was refused.
    /// Failures are logged and counted, as for ``notify(_:enabled:)``.
    public func notifyRejected(_ rejection: RejectedMessage, enabled: [String]) async {
        for id in enabled {
            guard let plugin = plugins[id] else { continue }
            for observer in plugin.contributions.observers where observer.kinds.contains(rejection.kind) {
                guard let observe = observer.observeRejection else { continue }
                _ = await call(id, observer.name, budget: observer.budget) { try await observe(rejection) }
            }
        }
    }

    /// Whether any of `enabled` observes rejections of messages of `kind` (lets the host skip work).
    public func hasRejectionObservers(for kind: MessageKind, enabled: [String]) -> Bool {
        enabled.contains { id in
            plugins[id]?.contributions.observers.contains { $0.kinds.contains(kind) && $0.observeRejection != nil } ?? false
        }
    }

    /// Whether `pluginID` is currently switched off by its circuit breaker.
    public func isSwitchedOff(_ pluginID: String) -> Bool {
        breaker.isOpen(pluginID)
    }

    /// Runs one transformer and applies its answer: the new text, and its members set under
    /// `pluginID` (the only namespace a plugin can write). Throws ``MetadataTooLarge`` when the
    /// message's metadata would exceed ``MessageMetadata/maximumSize``.
    private static func rewrite(_ draft: MessageDraft, with transformer: MessageTransformer, of pluginID: String,
                                _ context: HookContext) async throws -> MessageDraft {
        let rewrite = try await transformer.rewrite(draft, context)
        var next = draft
        next.text = rewrite.text
        if !rewrite.metadata.isEmpty {
            next.metadata = draft.metadata.merging(rewrite.metadata, into: pluginID)
            let size = next.metadata.encodedSize
            guard size <= MessageMetadata.maximumSize else { throw MetadataTooLarge(pluginID: pluginID, size: size) }
        }
        return next
    }

    private func unavailable(_ id: String) -> PreparedMessage {
        .reject(code: Self.unavailableCode, localizationKey: "error.plugin_unavailable",
                message: "The message could not be checked right now; please try again", pluginID: id)
    }

    /// Calls one hook under its budget, honouring and updating the plugin's circuit breaker.
    private func call<Value: Sendable>(_ id: String, _ hook: String, budget: Duration,
                                       _ operation: @escaping @Sendable () async throws -> Value) async -> DeadlineOutcome<Value> {
        if breaker.isOpen(id) { return .failed(PluginSwitchedOff(pluginID: id)) }
        let started = ContinuousClock.now
        let outcome = await Deadline.run(within: budget, operation)
        let succeeded = if case .value = outcome { true } else { false }
        observe(HookCall(pluginID: id, hook: hook, duration: ContinuousClock.now - started, succeeded: succeeded))
        switch outcome {
        case .value:
            breaker.recordSuccess(id)
            return outcome
        case .failed(let error):
            log(.warning, "plugin \(id) hook \(hook) failed: \(error)")
        case .timedOut:
            log(.warning, "plugin \(id) hook \(hook) missed its \(budget) budget")
        }
        if breaker.recordFailure(id) {
            let policy = breaker.policy
            log(.error, "PLUGIN SWITCHED OFF: \(id) failed \(policy.failureThreshold) times in a row; its hooks are skipped (their failure policy applies) for \(policy.coolDown)")
        }
        return outcome
    }
}

/// The hook was not called: its plugin is switched off by the circuit breaker.
public struct PluginSwitchedOff: Error, Sendable, CustomStringConvertible {
    /// The plugin whose breaker is open.
    public var pluginID: String
    /// `plugin <id> is switched off`, for logs.
    public var description: String { "plugin \(pluginID) is switched off" }
}

/// One hook call, as the pipeline reports it to its observer (metrics).
public struct HookCall: Sendable, Equatable {
    /// The plugin whose hook ran.
    public var pluginID: String
    /// The hook's kind and name, as in the pipeline's log lines.
    public var hook: String
    /// How long the call took (at most about its budget: a late hook is abandoned).
    public var duration: Duration
    /// Whether it returned within its budget without throwing.
    public var succeeded: Bool
}

/// A transformer's metadata would make the message's metadata larger than
/// ``MessageMetadata/maximumSize``: the call counts as failed.
public struct MetadataTooLarge: Error, Sendable, CustomStringConvertible {
    /// The plugin whose members were refused.
    public var pluginID: String
    /// The size the metadata would have had, in bytes.
    public var size: Int
    /// For logs.
    public var description: String {
        "metadata of plugin \(pluginID) refused: the message's metadata would be \(size) bytes, over the \(MessageMetadata.maximumSize)-byte limit"
    }
}
