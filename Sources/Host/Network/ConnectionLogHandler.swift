import Logging

/// The log handler of the logger Hummingbird's connection handling writes to. Its error lines
/// are about single connections, which a client can open by the thousand, so they go through
/// `ThrottledLog`; and one that follows a close by the connection guard is dropped: the guard
/// counted and logged that connection already. (Closing a connection before its first request
/// made HummingbirdWebSocket log "Error handling upgrade result" at error level.)
struct ConnectionLogHandler: LogHandler {
    private var base: any LogHandler
    private let outcome: ConnectionOutcome
    private let throttle: ThrottledLog

    init(base: any LogHandler, outcome: ConnectionOutcome, throttle: ThrottledLog) {
        self.base = base
        self.outcome = outcome
        self.throttle = throttle
    }

    func log(event: LogEvent) {
        guard event.level >= .error else { return base.log(event: event) }
        guard !outcome.closedByServer else { return }
        var metadata = base.metadata
        metadata.merge(event.metadata ?? [:]) { $1 }
        throttle.log(event.level, "\(event.message)", kind: "\(event.message)", metadata: metadata)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }
}
