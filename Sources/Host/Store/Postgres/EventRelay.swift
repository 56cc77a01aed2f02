import Foundation
import Logging
import SanctumServices
import Synchronization

/// Hands the event log to this process's sink (the `EventBus`) once per event and in id order,
/// whichever instance committed it.
///
/// Event ids are gapless and follow the order of the sequencer runs that hand them out
/// (``PostgresDatabase``), so the log is a sequence this relay follows with one cursor,
/// `published`: after each run of this process (whose events it passes on as they are when they
/// follow the cursor), and at each `NOTIFY` of any instance's run, it reads the log after its
/// cursor and passes on what it had not (one read at a time; what arrives during a read makes it read once more, so
/// under load one read carries many commits). A read that fails (the database is away) is retried
/// until it succeeds, so nothing committed is skipped.
final class EventRelay: Sendable {
    /// Most events one catch-up read fetches.
    static let pageSize = 500
    /// Wait before a failed catch-up read is tried again.
    static let retryDelay: Duration = .milliseconds(500)

    private struct State {
        var published: Int64
        var reading = false
        var readAgain = false
        var stopped = false
    }

    private let state: Mutex<State>
    private let sink: @Sendable ([ChatEvent]) -> Void
    private let read: @Sendable (_ after: Int64, _ limit: Int) async throws -> [ChatEvent]
    private let logger: Logger

    /// A relay that has published everything up to `newest`, passes events to `sink` and reads
    /// the log with `read` (events after an id, oldest first).
    init(after newest: Int64, sink: @escaping @Sendable ([ChatEvent]) -> Void,
         read: @escaping @Sendable (_ after: Int64, _ limit: Int) async throws -> [ChatEvent], logger: Logger) {
        state = Mutex(State(published: newest))
        self.sink = sink
        self.read = read
        self.logger = logger
    }

    /// The newest event id handed to the sink.
    var published: Int64 { state.withLock { $0.published } }

    /// Some instance committed events up to `id` (a notification's payload; `nil` when unknown):
    /// reads the log unless they were all passed on already.
    func committed(upTo id: Int64?) {
        if let id, id <= published { return }
        catchUp()
    }

    /// A sequencer run of this instance moved `events` into the log (oldest first): passed on
    /// as they are when they follow the cursor, without reading them back; otherwise (events of
    /// other runs lie between) the log is read.
    func moved(_ events: [ChatEvent]) {
        guard let first = events.first, let last = events.last else { return }
        let followed = state.withLock { s -> Bool in
            guard !s.stopped, first.id == s.published + 1 else { return last.id <= s.published }
            sink(events)
            s.published = last.id
            return true
        }
        if !followed { catchUp() }
    }

    /// Reads the log after the cursor and passes on every event found (one reader at a time; a
    /// call during a read makes it read once more).
    func catchUp() {
        let start = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            if s.reading { s.readAgain = true; return false }
            s.reading = true
            return true
        }
        if start { Task { await readUntilCaughtUp() } }
    }

    /// Stops reading (the driver closed).
    func stop() {
        state.withLock { $0.stopped = true }
    }

    private func readUntilCaughtUp() async {
        while true {
            state.withLock { $0.readAgain = false }
            do {
                try await readAll()
            } catch {
                if state.withLock({ $0.stopped }) { break }
                logger.debug("event catch-up read failed, retrying: \(String(reflecting: error))")
                try? await Task.sleep(for: Self.retryDelay)
                state.withLock { $0.readAgain = true }
            }
            let again = state.withLock { s -> Bool in
                if s.readAgain && !s.stopped { return true }
                s.reading = false
                return false
            }
            if !again { return }
        }
    }

    private func readAll() async throws {
        while true {
            let cursor = published
            let page = try await read(cursor, Self.pageSize)
            state.withLock { s in
                // Events committed here may have been passed on while the page was read.
                let fresh = page.filter { $0.id > s.published }
                guard let last = fresh.last else { return }
                sink(fresh)
                s.published = last.id
            }
            if page.count < Self.pageSize { return }
        }
    }
}
