import Foundation
import PluginAPI

extension Attachments {
    /// The `plugins.attachments` section of the config file: keys in snake_case, each optional.
    public struct Configuration: PluginConfiguration {
        /// Where blobs and upload temp files live (`blobs/`, `tmp/` below it).
        public var directory = "data/attachments"
        /// `filesystem` (content-addressed files, the default) or `database` (chunks in the plugin
        /// store, for several instances sharing one database).
        public var driver = "filesystem"
        /// Prefix of the links the plugin hands out (`https://chat.example.com`); empty: paths
        /// relative to the server.
        public var publicURL = ""
        /// How long a visitor's signed download link works, in seconds (default one hour).
        public var linkLifetimeSeconds = 3600
        /// Per-site link lifetimes, by site id, overriding ``linkLifetimeSeconds``.
        public var siteLinkLifetimeSeconds: [String: Int] = [:]
        /// The key of signed links; empty: one generated once and kept in the plugin store (shared by
        /// every instance on that database).
        public var signingSecret = ""
        /// Strip EXIF/GPS, XMP, text chunks and comments from JPEG, PNG and WebP (Orientation stays).
        public var stripMetadata = true
        /// The most attachments one message may reference.
        public var maxFilesPerMessage = 10
        /// A blob no attachment references is collected once it is older than this, in seconds.
        public var orphanGraceSeconds = 600
        /// Limits per tier (by tier name); a tier not listed gets ``defaultLimits``.
        public var tiers: [String: Limits] = [:]
        /// The limits of tiers not listed in ``tiers``.
        public var defaultLimits = Limits()
        /// The optional clamd scanner.
        public var scanner = Scanner()

        /// The defaults: what a file that leaves keys out gets.
        public init() {}

        /// The limits of a site of `tier`.
        public func limits(for tier: String) -> Limits { tiers[tier] ?? defaultLimits }

        /// The largest file any tier accepts: the upload route's streaming cap.
        var largestFile: Int { ([defaultLimits] + Array(tiers.values)).map(\.maxFileBytes).max() ?? defaultLimits.maxFileBytes }

        /// The link lifetime of `siteID`.
        func linkLifetime(for siteID: String) -> Int { siteLinkLifetimeSeconds[siteID] ?? linkLifetimeSeconds }
    }

    /// What one tier may upload.
    public struct Limits: Codable, Sendable, Equatable {
        /// The largest file, in bytes (default 10 MiB).
        public var maxFileBytes = 10 << 20
        /// Files per conversation per (UTC) day.
        public var filesPerConversationPerDay = 50
        /// Real types accepted (media types of ``FileType``): images and PDF by default.
        public var allowedTypes = ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"]

        /// Limits; the defaults unless given.
        public init(maxFileBytes: Int = 10 << 20, filesPerConversationPerDay: Int = 50,
                    allowedTypes: [String] = ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"]) {
            self.maxFileBytes = maxFileBytes
            self.filesPerConversationPerDay = filesPerConversationPerDay
            self.allowedTypes = allowedTypes
        }

        /// Decodes the keys given, in snake_case (`max_file_bytes`) or the Swift spelling; each key
        /// left out keeps its default (a tier the file adds names only what differs).
        ///
        /// Both spellings are needed: the host turns snake_case keys into the Swift spelling only
        /// where the encoded defaults have the key, and the entries of ``Configuration/tiers``
        /// (a dictionary, empty by default) have none — so `tiers.free.max_file_bytes` arrives as written.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            func value<T: Decodable>(_ type: T.Type, _ snake: String, _ swift: String) throws -> T? {
                try container.decodeIfPresent(type, forKey: AnyKey(snake)) ?? container.decodeIfPresent(type, forKey: AnyKey(swift))
            }
            let defaults = Limits()
            maxFileBytes = try value(Int.self, "max_file_bytes", "maxFileBytes") ?? defaults.maxFileBytes
            filesPerConversationPerDay = try value(Int.self, "files_per_conversation_per_day", "filesPerConversationPerDay")
                ?? defaults.filesPerConversationPerDay
            allowedTypes = try value([String].self, "allowed_types", "allowedTypes") ?? defaults.allowedTypes
        }

        /// A key of either spelling.
        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ name: String) { stringValue = name }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// Whether real type `type` may be uploaded.
        func allows(_ type: FileType) -> Bool { allowedTypes.contains(type.rawValue) }
    }

    /// The clamd connection: off unless `socket` or `host` is set.
    public struct Scanner: Codable, Sendable, Equatable {
        /// clamd's Unix socket (`/run/clamav/clamd.ctl`; list it in `outbound.unix_sockets`).
        public var socket = ""
        /// Or clamd's TCP host (with ``port``).
        public var host = ""
        /// clamd's TCP port.
        public var port = 3310
        /// `closed` (refuse uploads while the scanner is down, the default) or `open` (accept them
        /// unscanned, with a warning in the log and `scan: "skipped"` on the attachment).
        public var onFailure = "closed"
        /// Seconds to wait for clamd's answer.
        public var timeoutSeconds = 30

        /// No scanner.
        public init() {}

        /// A scanner at a Unix socket.
        public init(socket: String, onFailure: String = "closed") {
            self.socket = socket
            self.onFailure = onFailure
        }

        /// The socket address, or `nil` when scanning is off.
        var address: PluginSocketAddress? {
            if !socket.isEmpty { return .unix(path: socket) }
            if !host.isEmpty { return .tcp(host: host, port: port) }
            return nil
        }
    }

    /// Thrown at startup for a configuration that cannot work.
    public struct InvalidConfiguration: Error, CustomStringConvertible {
        /// What is wrong, with its key.
        public var reason: String
        /// Shown when the server refuses to start.
        public var description: String { "plugins.attachments.\(reason)" }
    }
}

extension Attachments.Configuration {
    /// Throws ``Attachments/InvalidConfiguration`` for values that decode but cannot work.
    func validate() throws {
        func check(_ condition: Bool, _ reason: String) throws {
            if !condition { throw Attachments.InvalidConfiguration(reason: reason) }
        }
        try check(["filesystem", "database"].contains(driver), "driver must be filesystem or database, not \"\(driver)\"")
        try check(!directory.isEmpty, "directory must not be empty")
        try check(linkLifetimeSeconds > 0 && siteLinkLifetimeSeconds.values.allSatisfy { $0 > 0 }, "link_lifetime_seconds must be positive")
        try check(signingSecret.isEmpty || signingSecret.utf8.count >= 32, "signing_secret must be at least 32 characters")
        try check(maxFilesPerMessage > 0, "max_files_per_message must be positive")
        try check(["closed", "open"].contains(scanner.onFailure), "scanner.on_failure must be closed or open")
        for (tier, limits) in [("default_limits", defaultLimits)] + tiers.map({ ("tiers.\($0.key)", $0.value) }) {
            try check(limits.maxFileBytes > 0, "\(tier).max_file_bytes must be positive")
            try check(limits.filesPerConversationPerDay >= 0, "\(tier).files_per_conversation_per_day must be 0 or more")
            for type in limits.allowedTypes {
                try check(FileType(rawValue: type) != nil, "\(tier).allowed_types: unknown type \"\(type)\" (known: \(FileType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
    }
}
