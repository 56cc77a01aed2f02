import Foundation
import Hummingbird
import SanctumServices
import Synchronization

/// The wall clock plus an offset that only moves forward: the server's clock when it is started
/// with `SANCTUM_TEST_CLOCK=1`, so end-to-end tests advance time (leases, cleanup, retention)
/// instead of sleeping. Never set it in production: `POST /_test/clock` then exists.
public final class AdjustableClock: Sendable {
    private let base: @Sendable () -> Date
    private let offset = Mutex<TimeInterval>(0)

    /// A clock that reads `base` plus the offset.
    public init(base: @escaping @Sendable () -> Date) {
        self.base = base
    }

    /// The time now.
    public func now() -> Date { base().addingTimeInterval(offset.withLock { $0 }) }

    /// Moves the clock forward by `seconds`.
    public func advance(_ seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}

extension HostEnvironment {
    /// `POST /_test/clock` `{"advance": seconds}` with the admin key: moves the test clock forward.
    func addTestClockRoute(_ clock: AdjustableClock, to routes: inout RouteTable) {
        routes.add("/_test/clock", [.post]) { request, context in
            try self.authenticate(request, client: context.clientIP, accept: .admin, decorator: false)
            var request = request
            let body = try await request.jsonObject(limit: 1024, falsy: .missingFields)
            let seconds: Double? = switch body["advance"] {
            case .int(let i)?: Double(i)
            case .double(let d)?: d
            default: nil
            }
            guard let seconds, seconds >= 0, seconds <= 400 * 86_400 else {
                throw APIError(.badRequest, "Invalid advance: seconds from 0 to 34560000")
            }
            clock.advance(seconds)
            return self.envelope(["now": .string(Timestamps.iso(clock.now()))])
        }
    }
}
