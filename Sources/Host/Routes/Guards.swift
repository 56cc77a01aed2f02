import Foundation
import SanctumServices
import Hummingbird

/// Which bridge key a request must carry.
enum Credential {
    case api, admin, apiOrAdmin
}

/// Checks shared by the handlers: client identity, bearer auth, rate limits, parameters.
extension HostEnvironment {
    /// Bearer auth exactly as the original (BRIDGE-API.md §1.5), compared in constant time;
    /// `decorator` adds `"code": 401` as the original's decorators do. Once an IP has spent its
    /// failure budget, every key it sends is refused with 429 until the budget refills.
    /// Returns the kind of key that matched.
    @discardableResult
    func authenticate(_ request: Request, client: String, accept: Credential, decorator: Bool) throws(APIError) -> KeyKind {
        guard let key = request.headers.bearerKey else {
            throw APIError(.unauthorized, "Authentication required", includeCode: decorator)
        }
        try admitKeyAttempt(client: client)
        let access = services.access
        switch accept {
        case .api: if access.isKey(key, .api) { return .api }
        case .admin: if access.isKey(key, .admin) { return .admin }
        case .apiOrAdmin:
            if access.isKey(key, .api) { return .api }
            if access.isKey(key, .admin) { return .admin }
        }
        try throttleFailure(client: client)
        throw APIError(.unauthorized, accept == .admin ? "Invalid admin key" : "Invalid API key", includeCode: decorator)
    }

    /// Refuses (429 with `Retry-After`) any key from `client` while its failure budget is
    /// spent; call it before comparing a key.
    func admitKeyAttempt(client: String) throws(APIError) {
        do { try services.access.admitKeyAttempt(client: client) } catch { throw APIError(error) }
    }

    /// Counts a wrong key from `client`; the one that spends the budget is answered 429, not 401.
    func throttleFailure(client: String) throws(APIError) {
        do { try services.access.throttleFailure(client: client) } catch { throw APIError(error) }
    }

    /// Takes a token of `endpoint` for `client`, or throws 429 with `Retry-After`.
    func rateLimit(_ endpoint: RateLimitedEndpoint, client: String) throws(APIError) {
        do { try services.access.rateLimit(endpoint, client: client) } catch { throw APIError(error) }
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
