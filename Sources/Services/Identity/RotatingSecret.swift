import Foundation

/// A secret that is being replaced: still accepted until `until`, then never again.
public struct RetiringSecret<Value: Sendable>: Sendable {
    /// The old secret (a key, a stored hash or an identity secret).
    public var value: Value
    /// The end of the overlap: from this instant on the secret is refused.
    public var until: Date

    /// An old secret valid until `until`.
    public init(value: Value, until: Date) {
        self.value = value
        self.until = until
    }

    /// Whether the overlap is still running at `now`.
    public func isValid(at now: Date) -> Bool { now < until }
}
