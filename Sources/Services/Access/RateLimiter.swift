import Foundation
import Synchronization

/// A token-bucket budget: `burst` requests at once, refilled at `perSecond`.
public struct RateBudget: Sendable, Equatable, Decodable {
    /// Bucket size: how many requests may arrive at once.
    public var burst: Double
    /// Sustained requests per second.
    public var perSecond: Double

    enum CodingKeys: String, CodingKey { case burst, perSecond = "per_second" }

    public init(burst: Double, perSecond: Double) {
        self.burst = burst
        self.perSecond = perSecond
    }
}

/// The endpoints that have their own budget.
public enum RateLimitedEndpoint: String, Sendable, CaseIterable {
    case messages, responses, inbox, outbox, sessions
    /// Typing signals and read receipts per client IP.
    case typing
    /// Failed authentication attempts per client IP (brute-force throttle).
    case authFailures = "auth_failures"

    /// Defaults sized for the real clients: a widget polling every second, an agent polling
    /// every second, a burst of 60 messages from one IP, never throttled.
    public var defaultBudget: RateBudget {
        switch self {
        case .messages: RateBudget(burst: 120, perSecond: 2)
        case .responses: RateBudget(burst: 120, perSecond: 10)
        case .inbox, .outbox: RateBudget(burst: 600, perSecond: 50)
        case .sessions: RateBudget(burst: 60, perSecond: 5)
        case .typing: RateBudget(burst: 60, perSecond: 5)
        case .authFailures: RateBudget(burst: 20, perSecond: 0.2)
        }
    }
}

/// A client whose budget of an endpoint is spent: what it took and when it may try again.
public struct SpentBudget: Sendable, Equatable {
    /// The client (an IP address, or a key label).
    public var client: String
    /// Tokens taken since the budget was last full (for the failure throttle: wrong keys).
    public var taken: Int
    /// Requests refused since the budget ran out.
    public var refused: Int
    /// When the next token is there (seconds since 1970 on the limiter's clock).
    public var until: Double
}

/// In-memory token buckets keyed by (client, endpoint). Memory stays bounded: buckets that
/// have refilled completely carry no information and are swept away.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
        /// Tokens taken and requests refused since the bucket was last full.
        var taken = 0, refused = 0

        /// Adds what `budget` refilled since the last update; a full bucket forgets its counts.
        mutating func refill(_ budget: RateBudget, now: Double) {
            tokens = min(budget.burst, tokens + max(0, now - updated) * budget.perSecond)
            updated = now
            if tokens >= budget.burst { (taken, refused) = (0, 0) }
        }

        /// Seconds until a token is there (at least 1; an hour for a budget that never refills).
        func wait(_ budget: RateBudget) -> Int {
            budget.perSecond > 0 ? max(1, Int(((1 - tokens) / budget.perSecond).rounded(.up))) : 3600
        }
    }
    private struct State { var buckets: [String: Bucket] = [:]; var operations = 0; var refusals = 0 }

    private let budgets: [RateLimitedEndpoint: RateBudget]
    private let enabled: Bool
    private let state = Mutex(State())
    private let clock: @Sendable () -> Double
    /// How many buckets may exist before a sweep of the full ones runs.
    private let sweepThreshold = 50_000

    /// A limiter with these budgets (missing endpoints use their defaults).
    public init(enabled: Bool = true, budgets: [RateLimitedEndpoint: RateBudget] = [:],
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.enabled = enabled
        self.budgets = Dictionary(uniqueKeysWithValues: RateLimitedEndpoint.allCases.map { ($0, budgets[$0] ?? $0.defaultBudget) })
        self.clock = clock
    }

    /// Requests refused since start, every endpoint and client together (metrics).
    public var refusals: Int { state.withLock { $0.refusals } }

    /// Takes one token for `client` on `endpoint`. Returns `nil` when allowed, or the seconds
    /// until a token is available when the budget is exhausted.
    public func acquire(_ endpoint: RateLimitedEndpoint, client: String) -> Int? {
        guard enabled else { return nil }
        let budget = budgets[endpoint]!
        let now = clock()
        let key = endpoint.rawValue + "|" + client
        return state.withLock { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: budget.burst, updated: now)
            bucket.refill(budget, now: now)
            guard bucket.tokens >= 1 else {
                bucket.refused += 1
                state.refusals += 1
                state.buckets[key] = bucket
                return bucket.wait(budget)
            }
            bucket.tokens -= 1
            bucket.taken += 1
            state.buckets[key] = bucket
            state.operations += 1
            if state.buckets.count > sweepThreshold, state.operations % 1024 == 0 {
                sweep(&state, now: now)
            }
            return nil
        }
    }

    /// Whether `client` has a token of `endpoint` left, without taking it: `nil` when it has,
    /// else the seconds until it will (the refusal is counted).
    public func check(_ endpoint: RateLimitedEndpoint, client: String) -> Int? {
        guard enabled else { return nil }
        let budget = budgets[endpoint]!
        let now = clock()
        let key = endpoint.rawValue + "|" + client
        return state.withLock { state in
            guard var bucket = state.buckets[key] else { return nil }
            bucket.refill(budget, now: now)
            guard bucket.tokens < 1 else { return nil }
            bucket.refused += 1
            state.buckets[key] = bucket
            return bucket.wait(budget)
        }
    }

    /// The clients whose budget of `endpoint` is spent right now, the most refused first.
    public func spent(_ endpoint: RateLimitedEndpoint) -> [SpentBudget] {
        guard enabled else { return [] }
        let budget = budgets[endpoint]!
        let now = clock()
        let prefix = endpoint.rawValue + "|"
        return state.withLock { state in
            state.buckets.compactMap { key, stored -> SpentBudget? in
                guard key.hasPrefix(prefix) else { return nil }
                var bucket = stored
                bucket.refill(budget, now: now)
                guard bucket.tokens < 1 else { return nil }
                let until = budget.perSecond > 0 ? now + (1 - bucket.tokens) / budget.perSecond : now + 3600
                return SpentBudget(client: String(key.dropFirst(prefix.count)), taken: bucket.taken, refused: bucket.refused, until: until)
            }
            .sorted { ($0.refused, $0.taken, $0.client) > ($1.refused, $1.taken, $1.client) }
        }
    }

    /// Forgets every bucket (the admin `clear_data` action resets rate-limit state).
    public func reset() {
        state.withLock { $0.buckets.removeAll() }
    }

    private func sweep(_ state: inout State, now: Double) {
        state.buckets = state.buckets.filter { key, bucket in
            let endpoint = RateLimitedEndpoint(rawValue: String(key.prefix { $0 != "|" })) ?? .messages
            let budget = budgets[endpoint]!
            return bucket.tokens + (now - bucket.updated) * budget.perSecond < budget.burst
        }
    }
}
