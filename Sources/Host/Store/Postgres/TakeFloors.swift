import Foundation
import Synchronization

/// Per site, a position in the inbox order (timestamp, id) no pending message is before, so that an
/// inbox take starts its index scan there instead of at the head of the pending index.
///
/// A take marks the oldest messages processed; their entries stay at the head of the pending
/// index (`sanctum_messages_pending`) until `VACUUM` removes them, and a scan from the head reads
/// past every one. pgbench, one-message takes on a 100,000-message backlog with autovacuum off:
/// 6,250 takes/s in the first 5 s, 2,280/s after 90,000 takes. The floor is the oldest pending
/// message's position, read (one scan past those entries) at most once per ``refresh`` per site
/// and instance.
///
/// Pending messages only ever come after the floor: taken messages never become pending again,
/// and new ones carry the time of their post. The floor is also never later than
/// ``clockAllowance`` before the time it was read, so a post stamped by an instance whose clock is
/// behind by up to that much (or committed that long after it was stamped) is seen at once; by
/// more, within one ``refresh``. This instance's own posts lower it (``lower(siteID:to:)``),
/// whatever time they carry, unless a read of the floor is under way: that read's answer
/// replaces the lowered floor (a post stamped before the cap then waits one ``refresh``).
final class TakeFloors: Sendable {
    /// How long a floor is used before it is read again.
    static let refresh = Duration.seconds(1)
    /// How far before the time it was read a floor always is.
    static let clockAllowance: TimeInterval = 10

    /// A position in the inbox order.
    typealias Position = (timestamp: String, id: Int64)
    private struct Floor {
        var position: Position
        var readAt: ContinuousClock.Instant
    }
    private let floors = Mutex<[String: Floor]>([:])

    /// The floor of `siteID` at `now`: the cached one while fresh, else `oldestPending()` (nil:
    /// nothing pending) capped at ``clockAllowance`` before `now`.
    func floor(siteID: String, now: Date, oldestPending: () async throws -> Position?) async throws -> Position {
        let clock = ContinuousClock.now
        if let cached = floors.withLock({ $0[siteID] }), clock - cached.readAt < Self.refresh { return cached.position }
        let cap: Position = (Timestamps.database(now.addingTimeInterval(-Self.clockAllowance)), 0)
        let floor = try await oldestPending().map { $0 < cap ? $0 : cap } ?? cap
        floors.withLock { $0[siteID] = Floor(position: floor, readAt: clock) }
        return floor
    }

    /// Message `position.id` of `siteID` was posted here: the floor goes down to it if after it.
    func lower(siteID: String, to position: Position) {
        floors.withLock { floors in
            if let floor = floors[siteID], position < floor.position { floors[siteID]?.position = position }
        }
    }
}
