import NIOCore
import NIOWebSocket
import SanctumServices
import Synchronization

/// One upgraded stream connection as the async code sees it: JSON frames in, JSON frames out,
/// and the close handshake — without a task waiting while the connection is idle.
///
/// `StreamChannelHandler` (on the channel's event loop) hands it each client frame. Until the
/// stream is set up, ``nextFrame()`` takes them one by one (the auth frame); afterwards
/// ``serve(_:)`` passes each to a handler, from a task that runs only while frames are queued.
/// Past ``queueLimit`` queued frames the channel stops reading until the queue drains.
final class StreamConnection: Sendable {
    private struct State {
        var queue: [JSON] = []
        var waiter: CheckedContinuation<JSON?, Never>?
        var handler: (@Sendable (JSON) async -> Void)?
        var draining = false
        var readingPaused = false
        /// Closed, or closing: frames are dropped and ``nextFrame()`` answers `nil`.
        var ended = false
        var silentSincePing = false
    }

    /// Frames queued before reading pauses.
    static let queueLimit = 32

    /// The upgraded channel.
    let channel: any Channel
    private let state = Mutex(State())

    /// The connection over `channel`.
    init(channel: any Channel) {
        self.channel = channel
    }

    // MARK: From the channel handler

    /// Queues a client frame; `true` when reading should pause until the queue drains.
    func received(_ frame: JSON) -> Bool {
        enum Next { case resume(CheckedContinuation<JSON?, Never>), drain, queued(pause: Bool), dropped }
        let next: Next = state.withLock { s in
            if s.ended { return .dropped }
            if let waiter = s.waiter {
                s.waiter = nil
                return .resume(waiter)
            }
            s.queue.append(frame)
            if s.handler != nil, !s.draining {
                s.draining = true
                return .drain
            }
            let pause = s.queue.count >= Self.queueLimit
            if pause { s.readingPaused = true }
            return .queued(pause: pause)
        }
        switch next {
        case .resume(let waiter): waiter.resume(returning: frame)
        case .drain: Task { await drain() }
        case .queued(let pause): return pause
        case .dropped: break
        }
        return false
    }

    /// A frame arrived (a pong or any other): the client is alive.
    func heardFromClient() {
        state.withLock { $0.silentSincePing = false }
    }

    /// The connection is closed or closing: queued frames are dropped, a waiting
    /// ``nextFrame()`` answers `nil`.
    func end() {
        let waiter = state.withLock { s -> CheckedContinuation<JSON?, Never>? in
            s.ended = true
            s.queue.removeAll()
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
    }

    // MARK: From the stream's code

    /// The next client frame; `nil` once the connection closes.
    func nextFrame() async -> JSON? {
        await withCheckedContinuation { continuation in
            let frame = state.withLock { s -> JSON?? in
                if s.ended { return .some(nil) }
                if !s.queue.isEmpty { return .some(s.queue.removeFirst()) }
                s.waiter = continuation
                return .none
            }
            if let frame { continuation.resume(returning: frame) }
        }
    }

    /// From now on, passes each client frame to `handle`, in order, queued ones first.
    func serve(_ handle: @escaping @Sendable (JSON) async -> Void) {
        let drainNow = state.withLock { s in
            s.handler = handle
            guard !s.queue.isEmpty, !s.draining, !s.ended else { return false }
            s.draining = true
            return true
        }
        if drainNow { Task { await drain() } }
    }

    /// Runs `action` once the channel has closed (at once if it already has).
    func whenClosed(_ action: @escaping @Sendable () -> Void) {
        channel.closeFuture.whenComplete { _ in action() }
    }

    /// Sends a JSON frame; throws once the connection is closing or closed.
    func send(_ frame: JSON) async throws {
        let text = frame.compactText
        var buffer = channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        try await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: buffer)).get()
    }

    /// Sends an error frame, then starts the close handshake with `code` (`errorCode` as reason).
    func close(_ code: UInt16, _ errorCode: String, _ message: String) async {
        try? await send(["type": "error", "error": .string(message), "code": .string(errorCode)])
        startClose(code: .unknown(code), reason: errorCode)
    }

    /// Starts the close handshake: `StreamChannelHandler` closes the channel when the client
    /// answers, or after its close timeout.
    func startClose(code: WebSocketErrorCode, reason: String = "") {
        end()
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: nil)
    }

    /// Sends a ping, or closes the connection when the previous ping got no pong.
    func heartbeat() {
        let alive = state.withLock { s in
            defer { s.silentSincePing = true }
            return !s.silentSincePing
        }
        guard alive else {
            startClose(code: .goingAway, reason: "ping_timeout")
            channel.close(promise: nil)
            return
        }
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .ping, data: channel.allocator.buffer(capacity: 0)), promise: nil)
    }

    private func drain() async {
        while true {
            let (frame, handle, resume) = state.withLock { s -> (JSON?, (@Sendable (JSON) async -> Void)?, Bool) in
                guard !s.ended, !s.queue.isEmpty, let handler = s.handler else {
                    s.draining = false
                    defer { s.readingPaused = false }
                    return (nil, nil, s.readingPaused && !s.ended)
                }
                return (s.queue.removeFirst(), handler, false)
            }
            guard let frame, let handle else {
                if resume { channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in } }
                return
            }
            await handle(frame)
        }
    }
}
