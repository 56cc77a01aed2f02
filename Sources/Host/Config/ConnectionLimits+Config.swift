import NIOCore

extension ConnectionLimits {
    /// The limits of the `connections` section over the defaults; a value out of range stops
    /// the server with its key path.
    init(_ section: SanctumConfig.Connections?) throws {
        self.init()
        guard let section else { return }
        if let seconds = section.idleTimeout { idleTimeout = try Self.duration(seconds, "idle_timeout") }
        if let seconds = section.headerTimeout { headerTimeout = try Self.duration(seconds, "header_timeout") }
        if let seconds = section.bodyGrace { bodyGrace = try Self.duration(seconds, "body_grace") }
        if let rate = section.minBodyRate {
            guard rate > 0 else { throw ConfigError(description: "connections.min_body_rate: must be at least 1 byte per second") }
            minBodyRate = rate
        }
        if let count = section.maxPerIP {
            guard count > 0 else { throw ConfigError(description: "connections.max_per_ip: must be at least 1") }
            maxPerIP = count
        }
        if let addresses = section.exemptIPs { exemptIPs = Set(addresses) }
    }

    private static func duration(_ seconds: Double, _ key: String) throws -> TimeAmount {
        guard seconds.isFinite, seconds > 0, seconds <= 86_400 else {
            throw ConfigError(description: "connections.\(key): must be a number of seconds above 0 and at most 86400")
        }
        return .nanoseconds(Int64(seconds * 1e9))
    }
}
