import Foundation
import PluginAPI
import PluginDispatch
import Synchronization

/// Records the order hooks ran in, across plugins.
final class CallLog: Sendable {
    private let calls = Mutex<[String]>([])
    func record(_ call: String) { calls.withLock { $0.append(call) } }
    var all: [String] { calls.withLock { $0 } }
}

/// A scriptable plugin for pipeline tests: each behaviour becomes one hook.
struct ScriptedPlugin: Plugin {
    enum Behaviour: Sendable {
        case allow, reject(String), append(String), slow(Duration), hang, throwError, observeThrowing, authorize(AuthVerdict)
    }

    struct Configuration: Decodable, Sendable {
        var id: String = "scripted"
        var behaviours: [Behaviour] = []
        var policy: FailurePolicy = .failOpen
        var log: CallLog?
        init(id: String, _ behaviours: [Behaviour], policy: FailurePolicy = .failOpen, log: CallLog? = nil) {
            self.id = id
            self.behaviours = behaviours
            self.policy = policy
            self.log = log
        }
        init(from decoder: any Decoder) throws {}
    }

    static let descriptor = PluginDescriptor(id: "scripted", version: "1.0.0",
                                             capabilities: [.validateMessages, .transformMessages, .observeMessages, .authorizeRequests],
                                             summary: "test double")
    let configuration: Configuration

    init(configuration: Configuration) { self.configuration = configuration }

    func activate(host: any PluginHost) async throws -> PluginContributions {
        var contributions = PluginContributions()
        let (id, log, policy) = (configuration.id, configuration.log, configuration.policy)
        for (index, behaviour) in configuration.behaviours.enumerated() {
            let name = "\(id)#\(index)"
            switch behaviour {
            case .allow:
                contributions.validators.append(MessageValidator(name: name, policy: policy) { _, _ in log?.record(name); return .allow })
            case .reject(let code):
                contributions.validators.append(MessageValidator(name: name, policy: policy) { _, _ in
                    log?.record(name)
                    return .reject(code: code, localizationKey: "key.\(code)", message: "rejected by \(name)")
                })
            case .append(let suffix):
                contributions.transformers.append(MessageTransformer(name: name, policy: policy) { draft, _ in
                    log?.record(name)
                    return draft.text + suffix
                })
            case .slow(let duration):
                contributions.validators.append(MessageValidator(name: name, budget: .milliseconds(50), policy: policy) { _, _ in
                    try await Task.sleep(for: duration)
                    log?.record(name)
                    return .allow
                })
            case .hang:
                contributions.validators.append(MessageValidator(name: name, budget: .milliseconds(50), policy: policy) { _, _ in
                    // Waits on something that ignores cancellation (a callback API, say).
                    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { done.resume() }
                    }
                    return .allow
                })
            case .throwError:
                contributions.validators.append(MessageValidator(name: name, policy: policy) { _, _ in
                    log?.record(name)
                    throw CocoaError(.featureUnsupported)
                })
            case .observeThrowing:
                contributions.observers.append(MessageObserver(name: name) { _ in
                    log?.record(name)
                    throw CocoaError(.featureUnsupported)
                })
            case .authorize(let verdict):
                contributions.authorizers.append(RequestAuthorizer(name: name, policy: policy) { _ in log?.record(name); return verdict })
            }
        }
        return contributions
    }
}

extension ActivatedPlugin {
    /// Activates a scripted plugin directly.
    static func scripted(_ configuration: ScriptedPlugin.Configuration) async throws -> ActivatedPlugin {
        let plugin = ScriptedPlugin(configuration: configuration)
        struct NullHost: PluginHost {
            func log(_ level: PluginLogLevel, _ message: String, metadata: [String: String]) {}
            func now() -> Date { Date() }
            var storage: any PluginStorage { fatalError("no storage") }
            func publish(_ event: PluginEvent) async {}
        }
        return ActivatedPlugin(id: configuration.id, contributions: try await plugin.activate(host: NullHost()))
    }
}
