import Foundation

/// Why a service refused a call: a kind the transport maps to its own status, plus the bridge's
/// exact wording (`message` is part of the wire contract, BRIDGE-API.md §2.12).
public struct ServiceError: Error, Sendable {
    /// What went wrong, independent of any transport.
    public enum Kind: Sendable, Equatable {
        /// The input breaks a rule (HTTP 400).
        case invalidInput
        /// No or a wrong credential (HTTP 401).
        case unauthenticated
        /// The thing asked for does not exist (HTTP 404).
        case notFound
        /// A budget is spent; try again after this many seconds (HTTP 429).
        case rateLimited(retryAfter: Int)
        /// A dependency (a plugin that fails closed) is unavailable (HTTP 503).
        case unavailable
        /// An authorizer plugin refused the request with its own status code.
        case refused(status: Int)
    }

    /// What went wrong.
    public var kind: Kind
    /// The `error` string of the answer.
    public var message: String
    /// Extra members of the answer (a plugin's `error_code` and `localization_key`, `retry_after`).
    public var details: [String: JSON]
    /// Whether the answer may carry CORS headers (not for requests an origin check refused).
    public var grantsCORS: Bool

    /// A refusal of `kind` worded `message`.
    public init(_ kind: Kind, _ message: String, details: [String: JSON] = [:], grantsCORS: Bool = true) {
        self.kind = kind
        self.message = message
        self.details = details
        self.grantsCORS = grantsCORS
    }

    /// `Invalid session`: the session does not exist or belongs to another site.
    public static let invalidSession = ServiceError(.invalidInput, "Invalid session")
    /// `Invalid session ID`: not `^session_[A-Za-z0-9_]+$` or longer than 64 characters.
    public static let invalidSessionID = ServiceError(.invalidInput, "Invalid session ID")
    /// `Missing session_id`.
    public static let missingSessionID = ServiceError(.invalidInput, "Missing session_id")
    /// `Missing required fields`.
    public static let missingFields = ServiceError(.invalidInput, "Missing required fields")
    /// A message from a blocked visitor: neutral on purpose (HTTP 400, `error_code`
    /// `message.refused`), so the visitor learns nothing about the block.
    public static let messageRefused = ServiceError(.invalidInput, "Message could not be sent", details: ["error_code": "message.refused"])
    /// `Invalid message`: empty after stripping, too long or not a string.
    public static let invalidMessage = ServiceError(.invalidInput, "Invalid message")

    /// 429 with the seconds to wait, also in the body (`retry_after`, as the PHP original sent it):
    /// browsers hide `Retry-After` from cross-origin scripts, and the widget reads the body.
    public static func rateLimited(retryAfter: Int) -> ServiceError {
        ServiceError(.rateLimited(retryAfter: retryAfter), "Rate limit exceeded", details: ["retry_after": .int(Int64(retryAfter))])
    }
}
