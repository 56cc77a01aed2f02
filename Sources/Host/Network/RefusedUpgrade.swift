import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Why a WebSocket handshake was refused. `UpgradeScreen` marks the request with it (the
/// `Sanctum-Refused-Upgrade` header, which it strips from what clients send) and
/// `SanctumResponder` answers the JSON error, with CORS and `nosniff` like every other answer.
enum RefusedUpgrade: String {
    case notStream = "not-stream"
    case notFirst = "not-first"
    case notGET = "not-get"
    case body
    case key
    case version

    /// The marker header between the screen and the responder.
    static let headerName = "Sanctum-Refused-Upgrade"
    private static let field = HTTPField.Name(headerName)!

    /// Why `head`, a WebSocket handshake, cannot be upgraded; `nil` when it can (the checks of
    /// SwiftNIO's WebSocket upgrader, on the stream's paths only). Only the first request of a
    /// connection can be upgraded: the upgrade handler leaves the pipeline after it.
    init?(webSocketHandshake head: HTTPRequestHead, isFirstRequest: Bool) {
        let headers = head.headers
        let hasBody = !headers["transfer-encoding"].isEmpty || headers["content-length"].contains { $0 != "0" }
        let keys = headers[canonicalForm: "sec-websocket-key"]
        if !HostEnvironment.isStreamTarget(head.uri) {
            self = .notStream
        } else if !isFirstRequest {
            self = .notFirst
        } else if head.method != .GET {
            self = .notGET
        } else if hasBody {
            self = .body
        } else if keys.count != 1 || keys[0].isEmpty {
            self = .key
        } else if headers[canonicalForm: "sec-websocket-version"] != ["13"] {
            self = .version
        } else {
            return nil
        }
    }

    /// The refusal `request` was marked with by the screen, if any.
    init?(markedOn request: Request) {
        guard let value = request.headers[Self.field] else { return nil }
        self = RefusedUpgrade(rawValue: value) ?? .notStream
    }

    /// The answer.
    var error: APIError {
        switch self {
        case .notStream: APIError(.badRequest, "WebSocket upgrade is only available on the stream (/api/v1/stream)")
        case .notFirst: APIError(.badRequest, "Invalid WebSocket handshake: it must be the first request on its connection")
        case .notGET: APIError(.badRequest, "Invalid WebSocket handshake: the method must be GET")
        case .body: APIError(.badRequest, "Invalid WebSocket handshake: the request must not have a body")
        case .key: APIError(.badRequest, "Invalid WebSocket handshake: one Sec-WebSocket-Key header is required")
        case .version:
            APIError(HTTPResponse.Status(code: 426), "Unsupported WebSocket version: Sec-WebSocket-Version must be 13",
                     headers: [HTTPField.Name("Sec-WebSocket-Version")!: "13"])
        }
    }
}
