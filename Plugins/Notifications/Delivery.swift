import Foundation

/// One webhook event on its way to one endpoint, with its attempt log: what the plugin stores
/// (JSON) and what the admin API lists.
struct Delivery: Codable, Sendable, Equatable {
    /// Where the delivery stands.
    enum State: String, Codable, Sendable {
        /// Waiting for its turn or its next attempt.
        case pending
        /// A receiver answered 2xx.
        case delivered
        /// Still failing `retry_for_hours` after it was queued; sent again only by a replay.
        case dead
    }

    /// One try: when, the answer's status (absent when none came), how long it took, what failed.
    struct Attempt: Codable, Sendable, Equatable {
        var at: Date
        var status: Int?
        var latencyMs: Double
        var error: String?
    }

    /// The `Sanctum-Delivery` header: `dlv_<endpoint>_<log id>_<part>`, the same on every retry.
    var id: String
    var endpoint: String
    var position: EventPosition
    var eventID: String
    var type: String
    var site: String
    var conversation: String
    /// The exact bytes sent (and signed) on every attempt.
    var body: String
    var state: State = .pending
    /// When it was queued (or replayed): the retry window starts here.
    var queuedAt: Date
    var nextAttemptAt: Date
    /// Every attempt so far (only the last ``maximumLoggedAttempts`` are kept).
    var attempts: [Attempt] = []
    var attemptCount = 0
    /// The instance sending it now and until when (a claim, so instances sharing a database
    /// do not send it twice at once; one killed mid-attempt lets it go when the lease ends).
    var leaseOwner: String?
    var leaseUntil: Date?

    /// The attempts kept in the log of one delivery.
    static let maximumLoggedAttempts = 25

    /// A new pending delivery of `event` to `endpoint`, due at once.
    init(event: WebhookEvent, endpoint: String, now: Date) {
        id = "dlv_\(endpoint)_\(event.position.eventID)_\(event.position.part)"
        self.endpoint = endpoint
        position = event.position
        eventID = event.id
        type = event.type
        site = event.site
        conversation = event.conversation
        body = String(decoding: event.body, as: UTF8.self)
        queuedAt = now
        nextAttemptAt = now
    }

    /// Adds `attempt` to the log, keeping the newest ones.
    mutating func record(_ attempt: Attempt) {
        attempts.append(attempt)
        attemptCount += 1
        if attempts.count > Self.maximumLoggedAttempts { attempts.removeFirst(attempts.count - Self.maximumLoggedAttempts) }
        leaseOwner = nil
        leaseUntil = nil
    }

    /// When `owner` may send it: when it is due and no other instance's lease holds it.
    func freeAt(for owner: String) -> Date {
        let heldUntil = leaseOwner == nil || leaseOwner == owner ? nil : leaseUntil
        return max(nextAttemptAt, heldUntil ?? .distantPast)
    }

    /// Whether `owner` may send it at `now`.
    func isFree(for owner: String, at now: Date) -> Bool { freeAt(for: owner) <= now }

    /// The endpoint and position a delivery id names (`nil` for text that is not one).
    static func parse(id: String) -> (endpoint: String, position: EventPosition)? {
        let parts = id.split(separator: "_")
        guard parts.count == 4, parts[0] == "dlv", let eventID = Int64(parts[2]), let part = Int(parts[3]) else { return nil }
        return (String(parts[1]), EventPosition(eventID: eventID, part: part))
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }

    /// The stored form.
    func encoded() -> Data { (try? Self.encoder.encode(self)) ?? Data() }

    /// A stored delivery (`nil` for bytes that are not one).
    static func decode(_ data: Data?) -> Delivery? {
        data.flatMap { try? decoder.decode(Delivery.self, from: $0) }
    }
}
