import Foundation
import Logging
import PluginAPI
import SanctumServices

extension PluginRuntime {
    /// Creates and activates, in order, the plugins named by `ids`. A plugin that refuses, needs a
    /// newer PluginAPI or contributes what it did not declare is left out with one loud log line;
    /// a plugin whose configuration is invalid stops the server (the message names the key path).
    static func activate(ids: [String], registry: PluginRegistry, config: SanctumConfig, store: any ChatStore,
                         logger: Logger, clock: @escaping @Sendable () -> Date) async throws -> PluginRuntime {
        var entries: [Entry] = []
        for id in ids {
            guard let type = registry.types[id] else { continue }
            let host = HostPluginContext(pluginID: id, logger: logger, clock: clock, store: store)
            let descriptor = type.descriptor
            guard PluginAPIVersion.current.satisfies(descriptor.minimumAPIVersion) else {
                logger.error("PLUGIN NOT ACTIVATED: \(id) needs PluginAPI \(descriptor.minimumAPIVersion); this server has \(PluginAPIVersion.current)")
                continue
            }
            let plugin = try instantiate(type, config: config)
            do {
                let contributions = try await plugin.activate(host: host)
                let undeclared = contributions.usedCapabilities.subtracting(descriptor.capabilities)
                guard undeclared.isEmpty else {
                    logger.error("PLUGIN NOT ACTIVATED: \(id) contributes undeclared capabilities \(undeclared.map(\.rawValue).sorted())")
                    continue
                }
                entries.append(Entry(id: id, plugin: plugin, host: host, contributions: contributions))
                logger.info("plugin \(id) \(descriptor.version) activated")
            } catch {
                logger.error("PLUGIN NOT ACTIVATED: \(id) refused: \(error)")
            }
        }
        return PluginRuntime(entries: entries, logger: logger)
    }

    private static func instantiate(_ type: any Plugin.Type, config: SanctumConfig) throws -> any Plugin {
        func make<P: Plugin>(_ type: P.Type) throws -> any Plugin {
            try P(configuration: config.pluginConfiguration(P.Configuration.self, id: P.descriptor.id))
        }
        return try make(type)
    }

}
