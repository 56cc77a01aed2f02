import Foundation

/// A value guarded by a lock, for the dispatcher and the test kit (Foundation only).
///
/// `package`, not `public`: it is shared inside this package and is no API. Plugins keep their
/// own state in actors or their own locks.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// A lock around `value`.
    package init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
