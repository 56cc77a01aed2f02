import NIOCore

/// Runs `ConnectionDeadlines` for one connection. It sits next to the socket, so it sees every
/// byte before the HTTP parser does (the first byte of a request head starts the header
/// deadline); `RequestProgressHandler` tells it about requests and responses. When a deadline
/// passes it closes the connection, answering a JSON 408 when a request was under way and
/// nothing else is being answered on the connection.
///
/// Being next to the socket, it also writes the other connection-level answers that bypass the
/// HTTP encoder (`answerAndClose`).
final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var deadlines: ConnectionDeadlines
    private let outcome: ConnectionOutcome
    private let counters: ConnectionCounters
    private var context: ChannelHandlerContext?
    private var timer: (task: Scheduled<Void>, deadline: NIODeadline)?
    private var closing = false

    init(limits: ConnectionLimits, outcome: ConnectionOutcome, counters: ConnectionCounters) {
        deadlines = ConnectionDeadlines(limits: limits, openedAt: .now())
        self.outcome = outcome
        self.counters = counters
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        rearm()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }   // the answer is written; nothing else is read
        deadlines.bytesArrived(at: .now())
        rearm()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    // MARK: - Events from the HTTP layer

    /// A request head was parsed.
    func headArrived() { update { $0.headArrived(at: .now()) } }
    /// Body bytes of the current request were parsed.
    func bodyArrived(_ count: Int) { update { $0.bodyArrived(count) } }
    /// The current request is complete.
    func requestEnded() { update { $0.requestEnded(at: .now()) } }
    /// The server started an answer.
    func responseBegan() { update { $0.responseBegan() } }
    /// The server finished an answer.
    func responseEnded() { update { $0.responseEnded(at: .now()) } }
    /// The connection is becoming a WebSocket: no deadline runs any more.
    func upgraded() { update { $0.upgraded() } }

    /// Writes `answer` straight to the socket, then closes the connection.
    func answerAndClose(_ answer: ByteBuffer) {
        guard let context, beginClosing() else { return }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(answer)).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: - Timer

    private func update(_ change: (inout ConnectionDeadlines) -> Void) {
        change(&deadlines)
        rearm()
    }

    /// Schedules the timer for the next deadline. A timer due earlier than the deadline, or while
    /// none runs, is kept: when it fires it looks again. (Deadlines move many times per request —
    /// body progress, each answer — and most moves are later.)
    private func rearm() {
        guard let context, !closing, let next = deadlines.next else { return }
        if let timer, timer.deadline <= next.deadline { return }
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: next.deadline) { self.timerFired() }
        timer = (task, next.deadline)
    }

    private func timerFired() {
        timer = nil
        guard let expiry = deadlines.expired(at: .now()) else { return rearm() }
        switch expiry {
        case .idle: counters.record(.idleTimeouts)
        case .header: counters.record(.headerTimeouts)
        case .body: counters.record(.bodyTimeouts)
        }
        if expiry != .idle, deadlines.mayAnswer {
            answerAndClose(RawAnswer.requestTimeout)
        } else if let context, beginClosing() {
            context.close(promise: nil)
        }
    }

    /// Marks the connection as closing (once); false when it already is.
    private func beginClosing() -> Bool {
        guard !closing else { return false }
        closing = true
        outcome.markClosedByServer()
        timer?.task.cancel()
        timer = nil
        return true
    }
}
