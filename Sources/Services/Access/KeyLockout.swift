import Foundation

/// A client IP whose failure budget is spent: every key it sends is refused until `until`.
public struct KeyLockout: Sendable, Equatable {
    /// The client address, as the transport resolved it.
    public var clientIP: String
    /// Wrong keys counted since its budget was last full.
    public var failures: Int
    /// Key attempts (right or wrong) refused since the budget ran out.
    public var refused: Int
    /// When the next attempt will be checked again.
    public var until: Date

    /// A lockout of `clientIP`.
    public init(clientIP: String, failures: Int, refused: Int, until: Date) {
        self.clientIP = clientIP
        self.failures = failures
        self.refused = refused
        self.until = until
    }
}
