import Foundation
import SanctumServices
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import PluginAPI

/// Close codes of the stream (docs/realtime.md).
enum StreamClose {
    static let authFailed: UInt16 = 4001
    static let originRefused: UInt16 = 4003
    static let foreignSession: UInt16 = 4004
    static let tooSlow: UInt16 = 4008
    static let tooManyConnections: UInt16 = 4029
    /// The IP spent its failure budget: no key is checked until it refills (reason `rate_limited`).
    static let keyAttemptsLocked: UInt16 = 4029
}

/// The WebSocket stream: `?action=stream` / `/api/v1/stream`.
extension HostEnvironment {
    /// Whether an upgrade request is for the stream.
    static func isStreamRequest(_ head: HTTPRequest) -> Bool {
        isStreamTarget(head.path ?? "")
    }

    /// Whether a request target (path and query) is the stream's.
    static func isStreamTarget(_ target: String) -> Bool {
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        if path == "/api/v1/stream" { return true }
        return path == "/api/v1/" && Query(target: target)["action"] == "stream"
    }

    /// Serves one stream connection: authenticate, subscribe, replay after `last_event_id`, then
    /// live events and the client's typing/read frames, until either side closes.
    ///
    /// One task per connection (this one reads the client); live events are forwarded by
    /// `StreamForwarder`, whose task runs only while events are queued.
    ///
    /// Errors of the WebSocket layer while reading (invalid UTF-8 in a text frame, a message too
    /// large) are thrown, so that HummingbirdWebSocket closes with their code (1007, 1009).
    func runStream(head: HTTPRequest, peer: SocketAddress?, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let ip = ClientAddress.resolve(peer: peer, headers: head.headerFields, trustedProxies: settings.trustedProxies)
        let query = Query(target: head.path)
        var frames = StreamFrames(inbound)
        // Visitors (anyone can open one) count from the start; agents and the console only once
        // their key is checked, and in a budget of their own, so visitor sockets from an address
        // never lock the console out of it.
        let isVisitor = query["session_id"] != nil
        let slots = isVisitor ? visitorStreams : agentStreams
        let limit = isVisitor ? settings.maxStreamsPerIP : settings.maxAgentStreamsPerIP
        if isVisitor {
            guard slots.acquire(ip, limit: limit) else { return await refuseTooMany(outbound) }
        }
        var holdsSlot = isVisitor
        defer { if holdsSlot { slots.release(ip) } }
        guard let subscriber = try await identify(head: head, query: query, ip: ip, frames: &frames, outbound: outbound) else { return }
        let (identity, scope) = subscriber
        if !isVisitor {
            guard slots.acquire(ip, limit: limit) else { return await refuseTooMany(outbound) }
            holdsSlot = true
        }

        // A verified user's conversation is followed under the session id the widget named.
        let presented: String? = if case .visitor = identity, let named = query["session_id"] { PythonText.strip(named) } else { nil }
        let forwarder = StreamForwarder(write: { event in try await self.send(outbound, ["type": "event", "event": event.seen(as: presented).json]) },
                                        tooSlow: { await self.close(outbound, StreamClose.tooSlow, "too_slow", "Fell too far behind; reconnect with last_event_id") })
        let subscription = bus.subscribe(scope, deliver: forwarder.offer)
        defer {
            forwarder.stop()
            bus.unsubscribe(subscription)
        }
        var cursor = max(0, query["last_event_id"].flatMap(PythonText.int) ?? 0)
        do {
            let start = try await services.events.resumePoint(cursor)
            if start.reset { try await send(outbound, ["type": "reset"]) }
            cursor = start.cursor
            while true {
                let page = try await services.events.replayPage(scope: scope, after: cursor)
                for event in page { try await send(outbound, ["type": "event", "event": event.seen(as: presented).json]) }
                cursor = page.last?.id ?? cursor
                if page.count < EventService.pageSize { break }
            }
            try await send(outbound, ["type": "ready", "last_event_id": .int(cursor)])
        } catch {
            return
        }
        forwarder.start(after: cursor)
        let sessionID: String? = if case .session(let id, _) = scope { id } else { nil }
        while let frame = try await frames.next() {
            await handleFrame(frame, identity: identity, sessionID: sessionID, outbound: outbound)
        }
    }

    /// Who is connecting and what they follow: a visitor's session (its site's authorizers and
    /// ownership checked), or an agent's or the operator's scope (bearer header, or the first
    /// frame within 5 seconds). `nil` after closing the stream with the reason.
    private func identify(head: HTTPRequest, query: Query, ip: String, frames: inout StreamFrames,
                          outbound: WebSocketOutboundWriter) async throws -> (Caller, EventScope)? {
        if let rawSession = query["session_id"] {
            let sessionID = PythonText.strip(rawSession)
            guard BridgeRules.isValidSessionID(sessionID) else {
                await close(outbound, StreamClose.foreignSession, "invalid_session", "Invalid session ID")
                return nil
            }
            let site: Site
            do { site = try visitorSite(widgetKey: query["widget_key"]) } catch {
                await close(outbound, StreamClose.authFailed, "widget_key_retired", "This widget key was replaced; update the embed snippet")
                return nil
            }
            do { try await services.access.authorizePublic(clientRequest(head: head, clientIP: ip), site: site) } catch {
                await close(outbound, StreamClose.originRefused, "origin_refused", error.message)
                return nil
            }
            let followed: String
            do { followed = try await visitorConversation(site: site, sessionID: sessionID) { query[$0] }.sessionID } catch {
                await close(outbound, StreamClose.authFailed, "identity_refused", (error as? ServiceError)?.message ?? "Identity proof refused")
                return nil
            }
            // Another site's session id is followed like an empty one of this site: the scope
            // carries the site, so nothing of the other site arrives, and nothing tells it exists.
            return (.visitor(site), .session(followed, site: site.id))
        }
        var key = head.headerFields.bearerKey
        if key == nil {
            // A browser sends its key in the first frame; 5 seconds to do so.
            let timer = Task {
                try await Task.sleep(for: .seconds(5))
                await self.close(outbound, StreamClose.authFailed, "auth_timeout", "Send {\"type\":\"auth\",\"key\":…} first")
            }
            defer { timer.cancel() }
            if let first = try await frames.next(), first["type"] == "auth" { key = first["key"]?.stringValue }
        }
        if key != nil {
            do { try services.access.admitKeyAttempt(client: ip) } catch {
                let retry = if case .rateLimited(let seconds) = error.kind { seconds } else { 1 }
                await close(outbound, StreamClose.keyAttemptsLocked, "rate_limited", "Too many wrong keys from this address; retry in \(retry) s")
                return nil
            }
        }
        guard let key, let caller = services.access.caller(forKey: key), let agentScope = caller.agentScope else {
            try? throttleFailure(client: ip)
            await close(outbound, StreamClose.authFailed, "auth_failed", "Invalid API key")
            return nil
        }
        return (caller, agentScope)
    }

    private func refuseTooMany(_ outbound: WebSocketOutboundWriter) async {
        await close(outbound, StreamClose.tooManyConnections, "too_many_connections", "Too many stream connections from this address")
    }

    /// Typing, read and ping frames from a connected client.
    private func handleFrame(_ frame: JSON, identity: Caller, sessionID: String?, outbound: WebSocketOutboundWriter) async {
        guard let type = frame["type"]?.stringValue else { return }
        if type == "ping" {
            try? await send(outbound, ["type": "pong"])
            return
        }
        guard type == "typing" || type == "read", let target = sessionID ?? frame["session_id"]?.stringValue,
              BridgeRules.isValidSessionID(target) else { return }
        do {
            if type == "typing", case .bool(let active)? = frame["active"] {
                try await services.conversations.typing(identity, sessionID: target, active: active, request: nil)
            } else if type == "read", let upTo = frame["up_to"]?.integerValue, upTo >= 0 {
                try await services.conversations.read(identity, sessionID: target, upTo: upTo, request: nil)
            }
        } catch {
            try? await send(outbound, ["type": "error", "error": .string((error as? ServiceError)?.message ?? "Invalid session"), "code": "invalid_session"])
        }
    }

    private func send(_ outbound: WebSocketOutboundWriter, _ frame: JSON) async throws {
        var text = frame.serialized
        text.removeLast()
        try await outbound.write(.text(text))
    }

    private func close(_ outbound: WebSocketOutboundWriter, _ code: UInt16, _ errorCode: String, _ message: String) async {
        try? await send(outbound, ["type": "error", "error": .string(message), "code": .string(errorCode)])
        try? await outbound.close(.unknown(code), reason: errorCode)
    }
}


/// The client's JSON frames: text frames that parse as JSON; anything else is skipped. Errors of
/// the WebSocket layer are thrown (see `runStream`).
struct StreamFrames {
    private var messages: WebSocketInboundMessageStream.AsyncIterator

    init(_ inbound: WebSocketInboundStream) {
        messages = inbound.messages(maxSize: 64 * 1024).makeAsyncIterator()
    }

    /// The next JSON frame; `nil` when the client closed.
    mutating func next() async throws -> JSON? {
        while let message = try await messages.next() {
            if case .text(let text) = message, let frame = JSON.parse(Array(text.utf8)) { return frame }
        }
        return nil
    }
}
