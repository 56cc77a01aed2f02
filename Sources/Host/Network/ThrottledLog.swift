import Foundation
import Logging
import Synchronization

/// A log for events a client can repeat at will (unreadable requests, refused connections):
/// at most one line per kind of event and `interval`; the next line written after a quiet
/// spell says how many similar ones were left out. The counts themselves are in
/// `ConnectionCounters`.
final class ThrottledLog: Sendable {
    /// Seconds between two lines of the same kind.
    static let interval: TimeInterval = 10

    private let logger: Logger
    private let clock: @Sendable () -> Date
    /// Per kind: when its last line was written and how many were suppressed since.
    private let lines = Mutex<[String: (writtenAt: Date, suppressed: Int)]>([:])

    init(logger: Logger, clock: @escaping @Sendable () -> Date) {
        self.logger = logger
        self.clock = clock
    }

    /// Writes `message` unless a line of the same `kind` was written less than `interval` ago.
    /// `kind` must come from a small fixed set (never an address): it keys the bookkeeping.
    func log(_ level: Logger.Level, _ message: String, kind: String, metadata: Logger.Metadata = [:]) {
        let now = clock()
        let suppressed: Int? = lines.withLock { lines in
            if let last = lines[kind], now.timeIntervalSince(last.writtenAt) < Self.interval {
                lines[kind]?.suppressed += 1
                return nil
            }
            let previous = lines[kind]?.suppressed ?? 0
            lines[kind] = (now, 0)
            return previous
        }
        guard let suppressed else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        let note = suppressed > 0 ? " (\(suppressed) similar suppressed since the last such line)" : ""
        logger.log(level: level, "\(message)\(note)", metadata: metadata)
    }
}
