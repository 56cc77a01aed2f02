import Foundation

/// One beacon of the widget module, checked strictly: a JSON object of known keys, known event
/// and timing names, bounded arrays and strings (`docs/plugins/analytics.md#beacons`).
struct WidgetBeacon: Sendable, Equatable {
    /// Funnel steps, in the order a visitor reaches them.
    static let funnelSteps = ["bubble_shown", "chat_opened", "message_sent"]
    /// The widget timings the module measures.
    static let timingNames = ["bubble_painted", "open_interactive", "send_acknowledged", "reply_shown"]
    /// Browser families timings and errors are grouped by.
    static let browsers = ["chrome", "edge", "firefox", "safari", "other"]
    /// The largest body accepted.
    static let maximumBytes = 8192
    static let maximumTimings = 20
    static let maximumErrors = 5
    static let maximumFrames = 5
    static let maximumText = 300
    /// The longest timing accepted, in milliseconds (10 minutes).
    static let maximumMilliseconds = 600_000.0

    /// A timing sample.
    struct Timing: Sendable, Equatable {
        var name: String
        var milliseconds: Double
    }

    /// An uncaught error in the widget or a module.
    struct Failure: Sendable, Equatable {
        var message: String
        var source: String
        var frames: [String]
    }

    var browser: String
    var version: String
    var funnel: [String]
    var timings: [Timing]
    var errors: [Failure]

    /// A reason a beacon is refused (answered as `400`).
    struct Invalid: Error, Equatable {
        var message: String
    }

    /// Parses and checks `body`.
    init(body: Data) throws(Invalid) {
        guard !body.isEmpty else { throw Invalid(message: "The body must be a JSON object") }
        guard body.count <= Self.maximumBytes else { throw Invalid(message: "The body is larger than \(Self.maximumBytes) bytes") }
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw Invalid(message: "The body must be a JSON object")
        }
        let known: Set = ["browser", "version", "funnel", "timings", "errors"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) { throw Invalid(message: "Unknown key \"\(unknown)\"") }
        guard let browser = object["browser"] as? String, Self.browsers.contains(browser) else {
            throw Invalid(message: "browser must be one of \(Self.browsers.joined(separator: ", "))")
        }
        self.browser = browser
        version = try Self.text(object["version"] ?? "", name: "version", limit: 64)
        let funnel = try Self.list(object["funnel"], name: "funnel", limit: Self.funnelSteps.count)
        self.funnel = try funnel.map { step throws(Invalid) in
            guard let step = step as? String, Self.funnelSteps.contains(step) else {
                throw Invalid(message: "funnel steps must be \(Self.funnelSteps.joined(separator: ", "))")
            }
            return step
        }
        guard Set(self.funnel).count == self.funnel.count else { throw Invalid(message: "funnel lists a step twice") }
        let timingRule = "timings must be {name, ms} with name one of \(Self.timingNames.joined(separator: ", ")) and 0 ≤ ms ≤ \(Int(Self.maximumMilliseconds))"
        let items = try Self.list(object["timings"], name: "timings", limit: Self.maximumTimings)
        // Numbers are read with JSONDecoder: JSONSerialization's numbers 0 and 1 bridge to Bool on Linux.
        let decoded = (try? JSONDecoder().decode(TimingsOnly.self, from: body))?.timings ?? []
        guard decoded.count == items.count else { throw Invalid(message: timingRule) }
        timings = try zip(items, decoded).map { item, timing throws(Invalid) in
            guard let item = item as? [String: Any], Set(item.keys) == ["name", "ms"], Self.timingNames.contains(timing.name),
                  timing.ms >= 0, timing.ms <= Self.maximumMilliseconds else { throw Invalid(message: timingRule) }
            return Timing(name: timing.name, milliseconds: timing.ms)
        }
        errors = try Self.list(object["errors"], name: "errors", limit: Self.maximumErrors).map { item throws(Invalid) in
            guard let item = item as? [String: Any], Set(item.keys).isSubset(of: ["message", "source", "frames"]) else {
                throw Invalid(message: "errors must be {message, source, frames}")
            }
            let frames = try Self.list(item["frames"], name: "frames", limit: Self.maximumFrames).map { frame throws(Invalid) in
                try Self.text(frame, name: "a frame", limit: Self.maximumText)
            }
            let message = try Self.text(item["message"] ?? "", name: "message", limit: Self.maximumText)
            guard !message.isEmpty else { throw Invalid(message: "an error's message must not be empty") }
            return Failure(message: message, source: try Self.text(item["source"] ?? "widget", name: "source", limit: 64), frames: frames)
        }
    }

    /// The `timings` of a body, decoded with their types checked.
    private struct TimingsOnly: Decodable {
        struct Item: Decodable {
            var name: String
            var ms: Double
        }
        var timings: [Item]?
    }

    private static func list(_ value: Any?, name: String, limit: Int) throws(Invalid) -> [Any] {
        guard let value else { return [] }
        guard let array = value as? [Any] else { throw Invalid(message: "\(name) must be an array") }
        guard array.count <= limit else { throw Invalid(message: "\(name) has more than \(limit) items") }
        return array
    }

    private static func text(_ value: Any, name: String, limit: Int) throws(Invalid) -> String {
        guard let text = value as? String else { throw Invalid(message: "\(name) must be a string") }
        guard text.count <= limit else { throw Invalid(message: "\(name) is longer than \(limit) characters") }
        return text
    }
}
