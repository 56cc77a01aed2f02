import HTTPTypes
import SanctumServices
import Crypto
import Foundation
import Hummingbird

/// The widget's static files, loaded once at start-up: versioned by content hash, with ETags
/// and gzip precomputed, so serving one is a dictionary lookup.
public struct WidgetAssets: Sendable {
    /// One file, ready to serve.
    struct Asset: Sendable {
        let contentType: String
        let body: [UInt8]
        let gzipped: [UInt8]?
        let etag: String
        let hash: String
        let integrity: String
    }

    /// Content hash of all files; part of every immutable asset URL (`/widget/v/<version>/…`).
    public let version: String
    private let files: [String: Asset]

    /// Loads every file under `directory`, replacing `__SANCTUM_ASSET_VERSION__` in text files.
    public init(directory: URL) throws {
        let root = directory.resolvingSymlinksInPath().path
        var raw: [(path: String, bytes: [UInt8])] = []
        if let walker = FileManager.default.enumerator(atPath: root) {
            for case let relative as String in walker {
                var isDirectory: ObjCBool = false
                let full = root + "/" + relative
                guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                      !relative.hasPrefix("."), !relative.contains("/.") else { continue }
                raw.append((relative, Array(try Data(contentsOf: URL(fileURLWithPath: full)))))
            }
        }
        self.init(files: raw)
    }

    /// Serves `files` (path → bytes), replacing `__SANCTUM_ASSET_VERSION__` in text files.
    init(files raw: [(path: String, bytes: [UInt8])]) {
        let raw = raw.sorted { $0.path < $1.path }
        var hasher = SHA256()
        for file in raw { hasher.update(data: Array(file.path.utf8)); hasher.update(data: file.bytes) }
        let version = String(Secrets.hex(Array(hasher.finalize())).prefix(12))
        var files: [String: Asset] = [:]
        for file in raw {
            let type = Self.contentType(for: file.path)
            var bytes = file.bytes
            if type.hasPrefix("text/") || type.contains("javascript") || type.contains("svg") || type.contains("json") {
                bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "__SANCTUM_ASSET_VERSION__", with: version).utf8)
            }
            let hash = Secrets.hex(Array(SHA256.hash(data: bytes)).prefix(10).map { $0 })
            let gzipped = bytes.count > 512 ? Gzip.compress(bytes).flatMap { $0.count < bytes.count ? $0 : nil } : nil
            files[file.path] = Asset(contentType: type, body: bytes, gzipped: gzipped, etag: "\"" + hash + "\"", hash: hash,
                                     integrity: "sha384-" + Data(SHA384.hash(data: bytes)).base64EncodedString())
        }
        self.version = version
        self.files = files
    }

    /// The paths of all files, sorted.
    var paths: [String] { files.keys.sorted() }

    /// The content hash of the file at `path` (hex, part of its immutable URL) and its Subresource
    /// Integrity value (`sha384-…`).
    func fingerprint(_ path: String) -> (hash: String, integrity: String)? {
        files[path].map { ($0.hash, $0.integrity) }
    }

    /// The asset directory shipped inside the binary's resource bundle.
    public static func bundled(_ name: String) throws -> WidgetAssets {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil) else {
            throw ConfigError(description: "\(name) assets missing from the resource bundle")
        }
        return try WidgetAssets(directory: url)
    }

    /// Whether a file exists at `path` (relative to the asset directory).
    func contains(_ path: String) -> Bool { files[path] != nil }

    /// Raw bytes of the file at `path` (for tests and benchmarks).
    public func bytes(_ path: String) -> [UInt8]? { files[path]?.body }

    /// Serves `path` with `cacheControl`, honouring `If-None-Match` and `Accept-Encoding: gzip`.
    func response(_ path: String, for request: Request, cacheControl: String, extraHeaders: HTTPFields = [:]) -> Response? {
        guard let asset = files[path] else { return nil }
        var headers = extraHeaders
        headers[.cacheControl] = cacheControl
        headers[.eTag] = asset.etag
        headers[.contentType] = asset.contentType
        headers[.vary] = "Accept-Encoding"
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag }) {
            return Response(status: .notModified, headers: headers)
        }
        if let gzipped = asset.gzipped, request.headers[.acceptEncoding]?.contains("gzip") == true {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: gzipped)))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.body)))
    }

    static func contentType(for path: String) -> String {
        switch path.split(separator: ".").last.map(String.init) ?? "" {
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "html": "text/html; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        case "png": "image/png"
        case "mp3": "audio/mpeg"
        case "wav": "audio/wav"
        case "woff2": "font/woff2"
        default: "application/octet-stream"
        }
    }
}
