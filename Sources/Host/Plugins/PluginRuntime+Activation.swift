import Foundation
import Logging
import PluginAPI
import PluginDispatch
import SanctumServices

extension PluginRuntime {
    /// Creates and activates, in order, the plugins named by `ids`, with the rules of
    /// ``PluginActivation`` (the ones `PluginTesting` applies too). A plugin that refuses, needs a
    /// newer PluginAPI or contributes what it did not declare is left out with one loud log line;
    /// a plugin whose configuration is invalid stops the server (the message names the key path).
    static func activate(ids: [String], registry: PluginRegistry, config: SanctumConfig, store: any ChatStore,
                         http: any PluginHTTPClient, sockets: any PluginSocketConnector, traffic: ForegroundTraffic = ForegroundTraffic(),
                         logger: Logger, clock: @escaping @Sendable () -> Date,
                         observeHooks: @escaping @Sendable (HookCall) -> Void = { _ in }) async throws -> PluginRuntime {
        var entries: [Entry] = []
        for id in ids {
            guard let type = registry.types[id] else { continue }
            let descriptor = type.descriptor
            let host = PluginActivation.restrict(HostPluginContext(pluginID: id, logger: logger, clock: clock, store: store,
                                                                          http: http, sockets: sockets, traffic: traffic), to: descriptor)
            do {
                try PluginActivation.checkCompatibility(descriptor)
                let plugin = try instantiate(type, config: config)
                let activated = try await PluginActivation.activate(plugin, host: host)
                entries.append(Entry(id: id, plugin: plugin, host: host, contributions: activated.contributions))
                logger.info("plugin \(id) \(descriptor.version) activated")
            } catch let refusal as ActivationRefusal {
                logger.error("PLUGIN NOT ACTIVATED: \(id) \(refusal)")
            }
        }
        return PluginRuntime(entries: entries, logger: logger, observeHooks: observeHooks)
    }

    /// The plugin made from its config section. A section that does not decode, and an error its
    /// `init(configuration:)` throws, stop the server as a ``ConfigError`` naming the section:
    /// `sanctum: config: plugins.<id>: <reason>`.
    private static func instantiate(_ type: any Plugin.Type, config: SanctumConfig) throws -> any Plugin {
        func make<P: Plugin>(_ type: P.Type) throws -> any Plugin {
            let configuration = try config.pluginConfiguration(P.Configuration.self, id: P.descriptor.id)
            do {
                return try P(configuration: configuration)
            } catch {
                throw ConfigError(description: "plugins.\(P.descriptor.id): \(error)")
            }
        }
        return try make(type)
    }
}
