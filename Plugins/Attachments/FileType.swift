import Foundation

/// A file type the plugin recognises by its first bytes (magic numbers), never by what the
/// client declares. The raw values are the media types the config's `allowed_types` lists.
public enum FileType: String, Sendable, CaseIterable, Codable {
    /// JPEG (`FF D8 FF`).
    case jpeg = "image/jpeg"
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    case png = "image/png"
    /// GIF87a / GIF89a.
    case gif = "image/gif"
    /// WebP (`RIFF····WEBP`).
    case webp = "image/webp"
    /// PDF (`%PDF-`).
    case pdf = "application/pdf"
    /// Plain text: valid UTF-8 without NUL bytes in its first bytes (no magic number).
    case text = "text/plain"

    /// How many leading bytes ``sniff(_:)`` needs at most.
    static let sniffLength = 4096

    /// Whether the type is an image the widget shows inline (width and height are read).
    public var isImage: Bool { [.jpeg, .png, .gif, .webp].contains(self) }

    /// The file name extensions that may carry this type, lowercase.
    public var extensions: [String] {
        switch self {
        case .jpeg: ["jpg", "jpeg", "jpe"]
        case .png: ["png"]
        case .gif: ["gif"]
        case .webp: ["webp"]
        case .pdf: ["pdf"]
        case .text: ["txt", "text", "log", "csv", "md"]
        }
    }

    /// The real type of a file from its first bytes (at least ``sniffLength`` of them, or the
    /// whole file), or `nil` when no known type matches.
    public static func sniff(_ head: Data) -> FileType? {
        let bytes = [UInt8](head.prefix(sniffLength))
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(with: Array("GIF87a".utf8)) || starts(with: Array("GIF89a".utf8)) { return .gif }
        if starts(with: Array("RIFF".utf8)) && starts(with: Array("WEBP".utf8), at: 8) { return .webp }
        if starts(with: Array("%PDF-".utf8)) { return .pdf }
        if !bytes.isEmpty, !bytes.contains(0), isUTF8(bytes, truncated: head.count > sniffLength) { return .text }
        return nil
    }

    /// Whether `bytes` is UTF-8, allowing a sequence cut at the end when the sample was truncated.
    private static func isUTF8(_ bytes: [UInt8], truncated: Bool) -> Bool {
        if String(validating: bytes, as: UTF8.self) != nil { return true }
        guard truncated else { return false }
        return (1...3).contains { String(validating: bytes.dropLast($0), as: UTF8.self) != nil }
    }

    /// The type a declared media type names (`image/jpg` and `image/pjpeg` are JPEG; parameters
    /// such as `; charset=utf-8` are ignored), or `nil`.
    public static func declared(_ mediaType: String) -> FileType? {
        let bare = mediaType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch bare {
        case "image/jpg", "image/pjpeg": return .jpeg
        default: return FileType(rawValue: bare)
        }
    }

    /// Whether the declared media type and the name's extension both agree with this real type.
    /// A missing declaration (`application/octet-stream` or none) defers to the extension.
    func agrees(declaredType: String?, fileName: String) -> Bool {
        let fileExtension = (fileName as NSString).pathExtension.lowercased()
        guard extensions.contains(fileExtension) else { return false }
        guard let declaredType, !declaredType.isEmpty,
              !declaredType.lowercased().hasPrefix("application/octet-stream") else { return true }
        return Self.declared(declaredType) == self
    }
}
