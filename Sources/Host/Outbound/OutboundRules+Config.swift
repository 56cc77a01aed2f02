extension OutboundRules {
    /// The rules of the `outbound` section over the defaults; a value out of range stops the
    /// server with its key path.
    init(_ section: SanctumConfig.Outbound?) throws {
        self.init()
        guard let section else { return }
        allowPrivate = section.allowPrivate ?? false
        allowedHosts = Set((section.allowedHosts ?? []).map(Self.normalized))
        unixSockets = Set(section.unixSockets ?? [])
        if let seconds = section.maxTimeoutSeconds { maxTimeout = try Self.duration(seconds, "max_timeout_seconds") }
        if let seconds = section.connectTimeoutSeconds { connectTimeout = try Self.duration(seconds, "connect_timeout_seconds") }
    }

    private static func duration(_ seconds: Double, _ key: String) throws -> Duration {
        guard seconds.isFinite, seconds > 0, seconds <= 3600 else {
            throw ConfigError(description: "outbound.\(key): must be a number of seconds above 0 and at most 3600")
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}
