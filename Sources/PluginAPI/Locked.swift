import Foundation

/// A value guarded by a lock (Foundation only, so plugin code needs nothing else).
///
/// Not API: plugins keep their own state in actors or their own locks.
public final class _Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
