import Foundation

/// Small images built byte by byte: structurally valid headers (what the plugin parses) with
/// metadata a visitor would not want to publish.
enum ImageFixtures {
    /// Text that only the metadata carries: it must not survive stripping.
    static let secret = "GPS-52.5200N-13.4050E-SecretCam"

    /// A big-endian TIFF with Orientation, a camera make and a GPS IFD pointing at `secret`.
    static func exifTIFF(orientation: UInt16 = 6) -> Data {
        var tiff = Data("MM".utf8) + Data([0x00, 0x2A, 0, 0, 0, 8])
        let entries: [(tag: UInt16, type: UInt16, count: UInt32, value: UInt32)] = [
            (0x010F, 2, UInt32(secret.utf8.count + 1), 8 + 2 + 3 * 12 + 4),     // Make → the text after the IFD
            (0x0112, 3, 1, UInt32(orientation) << 16),                          // Orientation
            (0x8825, 4, 1, 8 + 2 + 3 * 12 + 4),                                 // GPS IFD pointer (into the text: enough here)
        ]
        tiff += be16(UInt16(entries.count))
        for entry in entries { tiff += be16(entry.tag) + be16(entry.type) + be32(entry.count) + be32(entry.value) }
        tiff += be32(0)
        tiff += Data(secret.utf8) + Data([0])
        return tiff
    }

    /// A JPEG: SOI, JFIF, EXIF (with `secret`), XMP, a comment, SOF0 of `width`×`height`, SOS, data, EOI.
    static func jpeg(width: Int = 640, height: Int = 480, orientation: UInt16 = 6) -> Data {
        var data = Data([0xFF, 0xD8])
        data += segment(0xE0, Data("JFIF\0".utf8) + Data([1, 1, 0, 0, 1, 0, 1, 0, 0]))
        data += segment(0xE1, Data("Exif\0\0".utf8) + exifTIFF(orientation: orientation))
        data += segment(0xE1, Data("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>\(secret)</x:xmpmeta>".utf8))
        data += segment(0xFE, Data("comment \(secret)".utf8))
        data += segment(0xC0, Data([8]) + be16(UInt16(height)) + be16(UInt16(width)) + Data([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]))
        data += segment(0xDA, Data([3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0]))
        data += Data((0..<2000).map { UInt8(truncatingIfNeeded: $0 * 7) & 0x7F }) + Data([0xFF, 0xD9])
        return data
    }

    /// A PNG of `width`×`height` with `tEXt` and `eXIf` chunks carrying `secret`.
    static func png(width: Int = 32, height: Int = 16) -> Data {
        var data = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        data += pngChunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + Data([8, 6, 0, 0, 0]))
        data += pngChunk("tEXt", Data("Comment\0\(secret)".utf8))
        data += pngChunk("eXIf", exifTIFF(orientation: 3))
        data += pngChunk("IDAT", Data((0..<500).map { UInt8(truncatingIfNeeded: $0) }))
        data += pngChunk("IEND", Data())
        return data
    }

    /// An extended WebP (VP8X with the EXIF and XMP flags) of `width`×`height` with EXIF and XMP chunks.
    static func webp(width: Int = 300, height: Int = 200) -> Data {
        var body = Data("WEBP".utf8)
        body += riffChunk("VP8X", Data([0x0C, 0, 0, 0]) + le24(width - 1) + le24(height - 1))
        body += riffChunk("VP8 ", Data([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]) + le16(width) + le16(height) + Data(repeating: 0x55, count: 41))
        body += riffChunk("EXIF", exifTIFF(orientation: 8))
        body += riffChunk("XMP ", Data("<x:xmpmeta>\(secret)</x:xmpmeta>".utf8))
        return Data("RIFF".utf8) + le32(body.count) + body
    }

    /// A GIF89a header of `width`×`height` (and a trailer).
    static func gif(width: Int = 10, height: Int = 12) -> Data {
        Data("GIF89a".utf8) + le16(width) + le16(height) + Data([0, 0, 0]) + Data([0x3B])
    }

    /// The EICAR anti-virus test file (68 bytes): harmless, detected by every scanner.
    static let eicar = Data(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)

    /// A minimal PDF.
    static let pdf = Data("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".utf8)

    static func segment(_ marker: UInt8, _ payload: Data) -> Data { Data([0xFF, marker]) + be16(UInt16(payload.count + 2)) + payload }
    static func pngChunk(_ type: String, _ body: Data) -> Data {
        let typed = Data(type.utf8) + body
        return be32(UInt32(body.count)) + typed + be32(crc32(typed))
    }
    static func riffChunk(_ fourCC: String, _ body: Data) -> Data {
        Data(fourCC.utf8) + le32(body.count) + body + (body.count % 2 == 1 ? Data([0]) : Data())
    }
    static func be16(_ value: UInt16) -> Data { Data([UInt8(value >> 8), UInt8(value & 0xFF)]) }
    static func be32(_ value: UInt32) -> Data { Data([24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }) }
    static func le16(_ value: Int) -> Data { Data([UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)]) }
    static func le24(_ value: Int) -> Data { Data([0, 8, 16].map { UInt8(truncatingIfNeeded: value >> $0) }) }
    static func le32(_ value: Int) -> Data { Data([0, 8, 16, 24].map { UInt8(truncatingIfNeeded: value >> $0) }) }
    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }
}

extension Data {
    /// Whether `needle` occurs in these bytes.
    func contains(_ needle: String) -> Bool { range(of: Data(needle.utf8)) != nil }
}
