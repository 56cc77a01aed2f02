import Foundation
import PluginAPI

/// The public routes of the widget module (mounted by ``Analytics/activate(host:)``, answered to
/// the site's widget key): its settings and the beacon that folds funnel steps, timings and errors
/// into the hourly widget rollups.
struct WidgetRoutes: Sendable {
    let store: UsageStore
    let configuration: Analytics.Configuration
    let now: @Sendable () -> Date
    let crypto: any PluginCrypto
    /// The key of the hash client addresses are counted under (random, this process only).
    let addressKey: Data

    /// What the module needs before it sends anything.
    struct Settings: Encodable {
        var sampleRate: Double
        var respectDNT: Bool
        var countBubbleViews: Bool
        var flushSeconds: Int

        enum CodingKeys: String, CodingKey {
            case sampleRate = "sample_rate", respectDNT = "respect_dnt", countBubbleViews = "count_bubble_views", flushSeconds = "flush_seconds"
        }
    }

    /// An accepted beacon.
    struct Accepted: Encodable {
        var accepted = true
    }

    /// `GET /plugins/analytics/settings?widget_key=`: the site's sampling and privacy settings.
    func settings(_ request: PluginRequest) throws -> PluginResponse {
        let site = configuration.settings(for: request.site.id)
        return try .json(Success(data: Settings(sampleRate: site.sampleRate, respectDNT: site.respectDNT,
                                                countBubbleViews: site.countBubbleViews, flushSeconds: configuration.flushSeconds)))
    }

    /// `POST /plugins/analytics/beacon?widget_key=`: checks the beacon strictly, counts it against
    /// the site's limit per minute and folds it into the current hour's widget rollup.
    func beacon(_ request: PluginRequest) async throws -> PluginResponse {
        let beacon: WidgetBeacon
        do {
            beacon = try WidgetBeacon(body: request.body)
        } catch {
            return try .json(APIError(error: error.message), status: 400)
        }
        let date = now()
        let minute = Int(date.timeIntervalSince1970 / 60)
        let used = try await store.storage.increment("b:\(request.site.id):\(minute)", expiresAfter: .seconds(120))
        guard used <= Int64(configuration.beaconsPerMinute) else {
            return try Self.tooMany("Too many beacons for this site, try again in a minute", at: date)
        }
        if let address = request.clientAddress {
            // Counted under a keyed hash of the address (a random key per process): no IP is stored.
            let client = try crypto.hmacSHA256(key: addressKey, message: Data(address.utf8)).lowercaseHex.prefix(16)
            let fromClient = try await store.storage.increment("i:\(client):\(minute)", expiresAfter: .seconds(120))
            guard fromClient <= Int64(configuration.beaconsPerIPPerMinute) else {
                return try Self.tooMany("Too many beacons from this address, try again in a minute", at: date)
            }
        }
        try await store.addBeacon(beacon, site: request.site.id, at: date)
        return try .json(Success(data: Accepted()), status: 202)
    }

    /// `429` with `Retry-After`: the seconds left in the current minute (the limits' window).
    static func tooMany(_ message: String, at date: Date) throws -> PluginResponse {
        var answer = try PluginResponse.json(APIError(error: message), status: 429)
        answer.headers["retry-after"] = String(60 - Int(date.timeIntervalSince1970) % 60)
        return answer
    }
}
