import NIOCore

/// When a client connection has waited too long, as a value: fed the connection's events with
/// their times, it names the next deadline and what expires then. Pure, so its rules are tested
/// without waiting (`ConnectionDeadlinesTests`); `ConnectionDeadlineHandler` runs it on the
/// event loop.
///
/// - Between requests a connection may stay silent for `idleTimeout`.
/// - From the first byte of a request, its head must be complete within `headerTimeout`.
/// - A body must average `minBodyRate` bytes per second after `bodyGrace`: it may take
///   `bodyGrace + received / minBodyRate`, so an upload that keeps moving, however slowly, always
///   has time, and a stalled one runs out.
/// - While the server owes an answer no deadline runs: a long-poll or a slow handler is the
///   server's time, not the client's.
/// - After a WebSocket upgrade none runs: the stream has its own pings and auth timeout.
struct ConnectionDeadlines {
    /// What ran out.
    enum Expiry: Equatable {
        /// Silent between requests: closed without an answer.
        case idle
        /// A request head that did not complete in time.
        case header
        /// A request body slower than the minimum rate.
        case body
    }

    private enum Phase {
        case waiting(since: NIODeadline)
        case readingHead(since: NIODeadline)
        case readingBody(since: NIODeadline, received: Int)
        case upgraded
    }

    private let limits: ConnectionLimits
    private var phase: Phase
    private var requests = 0
    private var responsesBegun = 0
    private var responsesEnded = 0

    init(limits: ConnectionLimits, openedAt now: NIODeadline) {
        self.limits = limits
        phase = .waiting(since: now)
    }

    /// Bytes arrived from the client (before the HTTP parser has seen them).
    mutating func bytesArrived(at now: NIODeadline) {
        if case .waiting = phase { phase = .readingHead(since: now) }
    }

    /// A complete request head was parsed.
    mutating func headArrived(at now: NIODeadline) {
        requests += 1
        phase = .readingBody(since: now, received: 0)
    }

    /// `count` bytes of the current request's body were parsed.
    mutating func bodyArrived(_ count: Int) {
        if case .readingBody(let since, let received) = phase { phase = .readingBody(since: since, received: received + count) }
    }

    /// The current request is complete.
    mutating func requestEnded(at now: NIODeadline) {
        if case .readingBody = phase { phase = .waiting(since: now) }
    }

    /// The server started an answer.
    mutating func responseBegan() {
        responsesBegun += 1
    }

    /// The server finished an answer; when it owes none, the client's clock starts again.
    mutating func responseEnded(at now: NIODeadline) {
        responsesEnded += 1
        guard owed == 0 else { return }
        switch phase {
        case .waiting: phase = .waiting(since: now)
        case .readingHead: phase = .readingHead(since: now)
        case .readingBody, .upgraded: break
        }
    }

    /// The connection became a WebSocket.
    mutating func upgraded() {
        phase = .upgraded
    }

    /// The next deadline and what expires then; `nil` while none runs.
    var next: (deadline: NIODeadline, expiry: Expiry)? {
        switch phase {
        case .upgraded:
            return nil
        case .readingBody(let since, let received):
            let earned = Double(received) / Double(limits.minBodyRate) * 1e9
            return (since + limits.bodyGrace + .nanoseconds(Int64(min(earned, 1e18))), .body)
        case .readingHead(let since):
            return owed > 0 ? nil : (since + limits.headerTimeout, .header)
        case .waiting(let since):
            return owed > 0 ? nil : (since + limits.idleTimeout, .idle)
        }
    }

    /// What has expired at `now`, if anything.
    func expired(at now: NIODeadline) -> Expiry? {
        guard let next, next.deadline <= now else { return nil }
        return next.expiry
    }

    /// Whether a timeout may be answered now (a 408): no answer is under way or owed for an
    /// earlier request, and the request being read has none yet.
    var mayAnswer: Bool {
        let current = if case .readingBody = phase { 1 } else { 0 }
        return responsesBegun == responsesEnded && responsesEnded == requests - current
    }

    /// Answers the server still owes.
    private var owed: Int { requests - responsesEnded }
}
