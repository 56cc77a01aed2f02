import Foundation
import SanctumServices
import HTTPTypes
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
    /// Whether a request target (path and query) is the stream's.
    static func isStreamTarget(_ target: String) -> Bool {
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        if path == "/api/v1/stream" { return true }
        return path == "/api/v1/" && Query(target: target)["action"] == "stream"
    }

    /// Starts serving an upgraded stream connection (called on its event loop): a task
    /// authenticates, subscribes, replays after `last_event_id` and sends `ready`, then ends.
    /// From then on the connection holds no task while idle: live events are forwarded by
    /// `StreamForwarder`, the client's typing/read frames by `StreamConnection.serve(_:)`, each
    /// from a task that runs only while something is queued.
    func openStream(head: HTTPRequest, connection: StreamConnection) {
        streams.add(connection)
        Task { await startStream(head: head, connection: connection) }
    }

    private func startStream(head: HTTPRequest, connection: StreamConnection) async {
        let ip = ClientAddress.resolve(peer: connection.channel.remoteAddress, headers: head.headerFields, trustedProxies: settings.trustedProxies)
        let query = Query(target: head.path)
        // Visitors (anyone can open one) count from the start; agents and the console only once
        // their key is checked, and in a budget of their own, so visitor sockets from an address
        // never lock the console out of it.
        let isVisitor = query["session_id"] != nil
        let slots = isVisitor ? visitorStreams : agentStreams
        let limit = isVisitor ? settings.maxStreamsPerIP : settings.maxAgentStreamsPerIP
        if isVisitor {
            guard slots.acquire(ip, limit: limit) else { return await refuseTooMany(connection) }
            connection.whenClosed { slots.release(ip) }
        }
        guard let (identity, scope) = await identify(head: head, query: query, ip: ip, connection: connection) else { return }
        if !isVisitor {
            guard slots.acquire(ip, limit: limit) else { return await refuseTooMany(connection) }
            connection.whenClosed { slots.release(ip) }
        }

        // A verified user's conversation is followed under the session id the widget named.
        let presented: String? = if case .visitor = identity, let named = query["session_id"] { PythonText.strip(named) } else { nil }
        let forwarder = StreamForwarder(write: { event in try await connection.send(["type": "event", "event": event.seen(as: presented).json]) },
                                        tooSlow: { await connection.close(StreamClose.tooSlow, "too_slow", "Fell too far behind; reconnect with last_event_id") })
        let subscription = bus.subscribe(scope, deliver: forwarder.offer)
        connection.whenClosed { [bus] in
            forwarder.stop()
            bus.unsubscribe(subscription)
        }
        var cursor = max(0, query["last_event_id"].flatMap(PythonText.int) ?? 0)
        do {
            let start = try await services.events.resumePoint(cursor)
            if start.reset { try await connection.send(["type": "reset"]) }
            cursor = start.cursor
            while true {
                let page = try await services.events.replayPage(scope: scope, after: cursor)
                for event in page { try await connection.send(["type": "event", "event": event.seen(as: presented).json]) }
                cursor = page.last?.id ?? cursor
                if page.count < EventService.pageSize { break }
            }
            try await connection.send(["type": "ready", "last_event_id": .int(cursor)])
        } catch {
            // The client left, or the database failed: it reconnects with its last event id.
            connection.startClose(code: .unexpectedServerError, reason: "replay_failed")
            return
        }
        forwarder.start(after: cursor)
        let sessionID: String? = if case .session(let id, _) = scope { id } else { nil }
        connection.serve { frame in await self.handleFrame(frame, identity: identity, sessionID: sessionID, connection: connection) }
    }

    /// Who is connecting and what they follow: a visitor's session (its site's authorizers and
    /// ownership checked), or an agent's or the operator's scope (bearer header, or the first
    /// frame within 5 seconds). `nil` after closing the stream with the reason.
    private func identify(head: HTTPRequest, query: Query, ip: String, connection: StreamConnection) async -> (Caller, EventScope)? {
        if let rawSession = query["session_id"] {
            let sessionID = PythonText.strip(rawSession)
            guard BridgeRules.isValidSessionID(sessionID) else {
                await connection.close(StreamClose.foreignSession, "invalid_session", "Invalid session ID")
                return nil
            }
            let site: Site
            do { site = try visitorSite(widgetKey: query["widget_key"]) } catch {
                await connection.close(StreamClose.authFailed, "widget_key_retired", "This widget key was replaced; update the embed snippet")
                return nil
            }
            do { try await services.access.authorizePublic(clientRequest(head: head, clientIP: ip), site: site) } catch {
                await connection.close(StreamClose.originRefused, "origin_refused", error.message)
                return nil
            }
            let followed: String
            do { followed = try await visitorConversation(site: site, sessionID: sessionID) { query[$0] }.sessionID } catch {
                await connection.close(StreamClose.authFailed, "identity_refused", (error as? ServiceError)?.message ?? "Identity proof refused")
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
                await connection.close(StreamClose.authFailed, "auth_timeout", "Send {\"type\":\"auth\",\"key\":…} first")
            }
            defer { timer.cancel() }
            if let first = await connection.nextFrame(), first["type"] == "auth" { key = first["key"]?.stringValue }
        }
        if key != nil {
            do { try services.access.admitKeyAttempt(client: ip) } catch {
                let retry = if case .rateLimited(let seconds) = error.kind { seconds } else { 1 }
                await connection.close(StreamClose.keyAttemptsLocked, "rate_limited", "Too many wrong keys from this address; retry in \(retry) s")
                return nil
            }
        }
        guard let key, let caller = services.access.caller(forKey: key), let agentScope = caller.agentScope else {
            try? throttleFailure(client: ip)
            await connection.close(StreamClose.authFailed, "auth_failed", "Invalid API key")
            return nil
        }
        return (caller, agentScope)
    }

    private func refuseTooMany(_ connection: StreamConnection) async {
        await connection.close(StreamClose.tooManyConnections, "too_many_connections", "Too many stream connections from this address")
    }

    /// Typing, read and ping frames from a connected client.
    private func handleFrame(_ frame: JSON, identity: Caller, sessionID: String?, connection: StreamConnection) async {
        guard let type = frame["type"]?.stringValue else { return }
        if type == "ping" {
            try? await connection.send(["type": "pong"])
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
            try? await connection.send(["type": "error", "error": .string((error as? ServiceError)?.message ?? "Invalid session"), "code": "invalid_session"])
        }
    }
}
