import Foundation

/// A plugin after activation, as the pipeline runs it.
public struct ActivatedPlugin: Sendable {
    public var id: String
    public var contributions: PluginContributions

    public init(id: String, contributions: PluginContributions) {
        self.id = id
        self.contributions = contributions
    }
}

/// The outcome of running validators and transformers over a draft.
public enum PreparedMessage: Sendable, Equatable {
    /// Store this (possibly transformed) draft.
    case accept(MessageDraft)
    /// Refuse the message; `pluginID` names the plugin that decided.
    case reject(code: String, localizationKey: String, message: String, pluginID: String)
}

/// When a failing plugin is switched off, and for how long.
public struct CircuitBreakerPolicy: Sendable, Equatable {
    /// Consecutive failures (throws or missed budgets) that switch a plugin off.
    public var failureThreshold: Int
    /// How long it stays off before it is tried again.
    public var coolDown: Duration

    public init(failureThreshold: Int = 5, coolDown: Duration = .seconds(30)) {
        self.failureThreshold = failureThreshold
        self.coolDown = coolDown
    }
}

/// The hook dispatcher: runs the hooks of the plugins a site enables, in the site's plugin
/// order, each under its time budget and failure policy, and folds their verdicts.
///
/// Rules (the contract of `docs/plugin-api.md`):
/// - Order: the order of the `enabled` list (the config order of the site's tier); within a
///   plugin, the order of its contributions.
/// - Validators: the first rejection wins and later validators are not run.
/// - Transformers: run after all validators, each on the previous one's output; a transformer
///   that changes anything but the text has failed.
/// - Authorizers: the first deny wins; otherwise allow if any allowed, else abstain.
/// - A hook that throws or misses its budget follows its policy: fail-open continues as if it
///   allowed (or left the text unchanged, or abstained); fail-closed rejects the message with
///   `plugin.unavailable` (or denies the request with 503).
/// - A plugin failing `failureThreshold` times in a row is switched off for `coolDown` with one
///   loud log line; while off, its hooks are not called and their policy applies at once.
public final class HookPipeline: Sendable {
    /// Code of the rejection a fail-closed hook produces when it fails.
    public static let unavailableCode = "plugin.unavailable"

    private let plugins: [String: ActivatedPlugin]
    private let breakerPolicy: CircuitBreakerPolicy
    private let log: @Sendable (PluginLogLevel, String) -> Void
    private let clock = ContinuousClock()
    private let breakers = _Locked<[String: Breaker]>([:])

    private struct Breaker {
        var consecutiveFailures = 0
        var offUntil: ContinuousClock.Instant?
    }

    /// A pipeline over `plugins` (any order: the `enabled` list of each call decides).
    public init(plugins: [ActivatedPlugin], breaker: CircuitBreakerPolicy = CircuitBreakerPolicy(),
                log: @escaping @Sendable (PluginLogLevel, String) -> Void = { _, _ in }) {
        self.plugins = Dictionary(plugins.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.breakerPolicy = breaker
        self.log = log
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
                let outcome = await call(id, transformer.name, budget: transformer.budget) { () throws -> MessageDraft in
                    let output = try await transformer.transform(input, context)
                    guard output.kind == input.kind, output.sessionID == input.sessionID else {
                        throw HookContractViolation(message: "transformer changed more than the text")
                    }
                    return output
                }
                switch outcome {
                case .value(let output): current = output
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

    /// Whether `pluginID` is currently switched off by its circuit breaker.
    public func isSwitchedOff(_ pluginID: String) -> Bool {
        breakers.withLock { $0[pluginID]?.offUntil.map { clock.now < $0 } ?? false }
    }

    private func unavailable(_ id: String) -> PreparedMessage {
        .reject(code: Self.unavailableCode, localizationKey: "error.plugin_unavailable",
                message: "The message could not be checked right now; please try again", pluginID: id)
    }

    /// Calls one hook under its budget, honouring and updating the plugin's circuit breaker.
    private func call<Value: Sendable>(_ id: String, _ hook: String, budget: Duration,
                                       _ operation: @escaping @Sendable () async throws -> Value) async -> DeadlineOutcome<Value> {
        if isSwitchedOff(id) { return .failed(PluginSwitchedOff(pluginID: id)) }
        let outcome = await Deadline.run(within: budget, operation)
        let now = clock.now
        let failed: Bool
        switch outcome {
        case .value: failed = false
        case .failed(let error):
            failed = true
            log(.warning, "plugin \(id) hook \(hook) failed: \(error)")
        case .timedOut:
            failed = true
            log(.warning, "plugin \(id) hook \(hook) missed its \(budget) budget")
        }
        let switchedOff: Bool = breakers.withLock { all in
            var breaker = all[id] ?? Breaker()
            defer { all[id] = breaker }
            guard failed else { breaker.consecutiveFailures = 0; breaker.offUntil = nil; return false }
            breaker.consecutiveFailures += 1
            guard breaker.consecutiveFailures >= breakerPolicy.failureThreshold else { return false }
            breaker.consecutiveFailures = 0
            breaker.offUntil = now.advanced(by: breakerPolicy.coolDown)
            return true
        }
        if switchedOff {
            log(.error, "PLUGIN SWITCHED OFF: \(id) failed \(breakerPolicy.failureThreshold) times in a row; its hooks are skipped (their failure policy applies) for \(breakerPolicy.coolDown)")
        }
        return outcome
    }
}

/// A hook broke the contract (for example a transformer changed the session id).
public struct HookContractViolation: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The hook was not called: its plugin is switched off by the circuit breaker.
public struct PluginSwitchedOff: Error, Sendable, CustomStringConvertible {
    public var pluginID: String
    public var description: String { "plugin \(pluginID) is switched off" }
}
