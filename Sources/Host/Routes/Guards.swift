import Foundation
import Hummingbird

/// Which bridge key a request must carry.
enum Credential {
    case api, admin, apiOrAdmin
}

/// Checks shared by the handlers: client identity, bearer auth, rate limits, parameters.
extension HostEnvironment {
    /// Bearer auth exactly as the original (BRIDGE-API.md §1.5), compared in constant time;
    /// `decorator` adds `"code": 401` as the original's decorators do. Repeated failures from
    /// one IP are throttled with 429. Returns the kind of key that matched.
    @discardableResult
    func authenticate(_ request: Request, client: String, accept: Credential, decorator: Bool) throws(APIError) -> KeyKind {
        guard let key = request.headers.bearerKey else {
            throw APIError(.unauthorized, "Authentication required", includeCode: decorator)
        }
        switch accept {
        case .api: if keys.verify(key, as: .api) { return .api }
        case .admin: if keys.verify(key, as: .admin) { return .admin }
        case .apiOrAdmin:
            if keys.verify(key, as: .api) { return .api }
            if keys.verify(key, as: .admin) { return .admin }
        }
        try throttleFailure(client: client)
        throw APIError(.unauthorized, accept == .admin ? "Invalid admin key" : "Invalid API key", includeCode: decorator)
    }

    /// Counts a wrong key from `client`; past the budget the answer is 429 instead of 401.
    /// A valid key is never throttled, so nobody sharing an agent's IP can lock it out.
    func throttleFailure(client: String) throws(APIError) {
        if let retry = limiter.acquire(.authFailures, client: client) { throw APIError.rateLimited(retryAfter: retry) }
    }

    /// Takes a token of `endpoint` for `client`, or throws 429 with `Retry-After`.
    func rateLimit(_ endpoint: RateLimitedEndpoint, client: String) throws(APIError) {
        if let retry = limiter.acquire(endpoint, client: client) { throw APIError.rateLimited(retryAfter: retry) }
    }

    /// An integer query parameter parsed as Python's `int()`; absent or `nil` gives `fallback`.
    func integer(_ query: Query, _ name: String, default fallback: Int64) throws(APIError) -> Int64 {
        guard let raw = query[name] else { return fallback }
        guard let value = PythonText.int(raw) else { throw APIError(.badRequest, "Invalid \(name) parameter: must be an integer") }
        return value
    }

    /// `limit` (default 50, clamped to 1…100) and `offset` (default 0, at least 0).
    func pagination(_ query: Query) throws(APIError) -> (limit: Int, offset: Int) {
        let limit = Int(min(max(try integer(query, "limit", default: 50), 1), 100))
        let offset = Int(min(max(try integer(query, "offset", default: 0), 0), Int64(Int32.max)))
        return (limit, offset)
    }

    /// `{total, limit, offset, has_more}`.
    func paginationJSON(total: Int64, limit: Int, offset: Int) -> JSON {
        ["total": .int(total), "limit": .int(Int64(limit)), "offset": .int(Int64(offset)),
         "has_more": .bool(Int64(offset + limit) < total)]
    }
}

/// Bridge validation rules (BRIDGE-API.md §1.7).
enum Validation {
    /// Longest visitor message, in code points.
    static let maxMessageLength = 10_000

    /// `^session_[a-zA-Z0-9_]+$`, at most 64 characters.
    static func isValidSessionID(_ id: String) -> Bool {
        let bytes = id.utf8
        guard bytes.count > 8, bytes.count <= 64, id.hasPrefix("session_") else { return false }
        return bytes.dropFirst(8).allSatisfy(isWordCharacter)
    }

    /// Optional idempotency key of `messages` and `outbox`: 1–64 characters of `[A-Za-z0-9_-]`.
    static func isValidClientMessageID(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= 64 && bytes.allSatisfy { isWordCharacter($0) || $0 == UInt8(ascii: "-") }
    }

    /// `[A-Za-z0-9_]`.
    private static func isWordCharacter(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95
    }

    /// A `since` cursor: normalised to DBTS when it parses, else compared raw (legacy).
    static func cursor(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        return Timestamps.normalizeCursor(raw) ?? raw
    }
}
