import Foundation

/// Why an image could not be read.
enum ImageFormatError: Error, Equatable {
    /// The file ends inside a structure.
    case truncated
    /// A structure is not what the format requires.
    case malformed(String)
}

/// Width and height in pixels, read from an image's header.
public struct ImageSize: Sendable, Hashable, Codable {
    /// Pixels across.
    public var width: Int
    /// Pixels down.
    public var height: Int

    /// A size.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

/// Reads an image's size and, given an output, writes a copy without its metadata: for JPEG the
/// APP1 (EXIF, XMP), APP3–APP13, APP15 and comment segments go; for PNG the `tEXt`, `zTXt`, `iTXt`,
/// `tIME` and `eXIf` chunks; for WebP the `EXIF` and `XMP ` chunks (and their VP8X flags). An
/// EXIF Orientation survives as a minimal EXIF block in the original's place. Pixel data is
/// copied in bounded pieces, never held whole. GIF is measured, not rewritten.
enum ImageSanitizer {
    /// The size of the image at `input` of real type `type`; with `output`, also writes the
    /// stripped copy there (and fsyncs it).
    static func process(_ type: FileType, input: URL, output: URL?) throws -> ImageSize {
        let reader = try FileReader(input)
        let writer = try output.map(FileWriter.init)
        let size: ImageSize
        switch type {
        case .jpeg: size = try JPEG.process(reader, writer)
        case .png: size = try PNG.process(reader, writer)
        case .webp: size = try WebP.process(reader, writer)
        case .gif: size = try GIF.process(reader, writer)
        default: throw ImageFormatError.malformed("not an image")
        }
        try writer?.finish()
        return size
    }
}

private func bigEndian(_ data: Data) -> Int { data.reduce(0) { $0 << 8 | Int($1) } }
private func littleEndian(_ data: Data) -> Int { data.reversed().reduce(0) { $0 << 8 | Int($1) } }
private func littleEndianBytes(_ value: Int, count: Int) -> Data { Data((0..<count).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }) }

private enum JPEG {
    static func process(_ reader: FileReader, _ writer: FileWriter?) throws -> ImageSize {
        guard try reader.read(2) == Data([0xFF, 0xD8]) else { throw ImageFormatError.malformed("no SOI") }
        try writer?.write(Data([0xFF, 0xD8]))
        var size: ImageSize?
        while true {
            guard try reader.byte() == 0xFF else { throw ImageFormatError.malformed("expected a marker") }
            var marker = try reader.byte()
            while marker == 0xFF { marker = try reader.byte() }
            if marker == 0xD9 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                try writer?.write(Data([0xFF, marker]))
                if marker == 0xD9 { break }
                continue
            }
            let lengthBytes = try reader.read(2)
            let length = bigEndian(lengthBytes)
            guard length >= 2 else { throw ImageFormatError.malformed("segment length") }
            if marker == 0xDA {
                try writer?.write(Data([0xFF, marker]) + lengthBytes)
                try reader.copyToEnd(to: writer)
                break
            }
            let payload = try reader.read(length - 2)
            if isFrameHeader(marker), payload.count >= 5 {
                size = ImageSize(width: bigEndian(payload.subdata(in: 3..<5)), height: bigEndian(payload.subdata(in: 1..<3)))
            }
            if marker == 0xE1, payload.starts(with: Data("Exif\0\0".utf8)) {
                if let orientation = ExifOrientation.read(fromTIFF: ExifOrientation.tiff(fromExif: payload)) {
                    let block = Data("Exif\0\0".utf8) + ExifOrientation.tiff(orientation: orientation)
                    try writer?.write(Data([0xFF, 0xE1]) + Data([UInt8((block.count + 2) >> 8), UInt8((block.count + 2) & 0xFF)]) + block)
                }
                continue
            }
            if isMetadata(marker, payload) { continue }
            try writer?.write(Data([0xFF, marker]) + lengthBytes + payload)
        }
        guard let size else { throw ImageFormatError.malformed("no frame header") }
        return size
    }

    /// SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    static func isFrameHeader(_ marker: UInt8) -> Bool { (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) }

    /// Segments that carry metadata: APP1 (EXIF, XMP), APP2 other than an ICC profile, APP3–APP13,
    /// APP15, comments. JFIF (APP0), ICC profiles and Adobe's APP14 (colour transform) stay.
    static func isMetadata(_ marker: UInt8, _ payload: Data) -> Bool {
        switch marker {
        case 0xE1, 0xFE: true
        case 0xE2: !payload.starts(with: Data("ICC_PROFILE\0".utf8))
        case 0xE3...0xED, 0xEF: true
        default: false
        }
    }
}

private enum PNG {
    static let signature = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    static let metadataChunks: Set<String> = ["tEXt", "zTXt", "iTXt", "tIME", "eXIf"]

    static func process(_ reader: FileReader, _ writer: FileWriter?) throws -> ImageSize {
        guard try reader.read(8) == signature else { throw ImageFormatError.malformed("no PNG signature") }
        try writer?.write(signature)
        var size: ImageSize?
        while !reader.isAtEnd {
            let header = try reader.read(8)
            let length = bigEndian(header.prefix(4))
            let type = String(decoding: header.suffix(4), as: UTF8.self)
            if type == "IHDR" {
                let body = try reader.read(length + 4)
                size = ImageSize(width: bigEndian(body.subdata(in: 0..<4)), height: bigEndian(body.subdata(in: 4..<8)))
                try writer?.write(header + body)
            } else if type == "eXIf" {
                let body = try reader.read(length + 4)
                if let orientation = ExifOrientation.read(fromTIFF: body.prefix(length)) {
                    try writer?.write(chunk("eXIf", ExifOrientation.tiff(orientation: orientation)))
                }
            } else if metadataChunks.contains(type) {
                try reader.copy(length + 4, to: nil)
            } else {
                try writer?.write(header)
                try reader.copy(length + 4, to: writer)
            }
            if type == "IEND" { break }
        }
        guard let size else { throw ImageFormatError.malformed("no IHDR") }
        return size
    }

    static func chunk(_ type: String, _ body: Data) -> Data {
        let typed = Data(type.utf8) + body
        let length = Data([24, 16, 8, 0].map { UInt8(truncatingIfNeeded: body.count >> $0) })
        let crc = CRC32.checksum(typed)
        return length + typed + Data([24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> $0) })
    }
}

private enum WebP {
    static func process(_ reader: FileReader, _ writer: FileWriter?) throws -> ImageSize {
        let header = try reader.read(12)
        guard header.prefix(4) == Data("RIFF".utf8), header.suffix(4) == Data("WEBP".utf8) else {
            throw ImageFormatError.malformed("no RIFF/WEBP header")
        }
        try writer?.write(header)
        var size: ImageSize?
        var extendedHeaderOffset: Int?
        var extendedFlags: UInt8 = 0
        while !reader.isAtEnd {
            let chunkHeader = try reader.read(8)
            let fourCC = String(decoding: chunkHeader.prefix(4), as: UTF8.self)
            let length = littleEndian(chunkHeader.suffix(4))
            let padded = length + length % 2
            switch fourCC {
            case "VP8X":
                var body = try reader.read(padded)
                guard body.count >= 10 else { throw ImageFormatError.malformed("short VP8X") }
                size = ImageSize(width: littleEndian(body.subdata(in: 4..<7)) + 1, height: littleEndian(body.subdata(in: 7..<10)) + 1)
                extendedFlags = body[body.startIndex] & ~0x0C      // EXIF and XMP flags: set again below if kept
                body[body.startIndex] = extendedFlags
                extendedHeaderOffset = writer?.count
                try writer?.write(chunkHeader + body)
            case "EXIF":
                let body = try reader.read(padded)
                if let orientation = ExifOrientation.read(fromTIFF: ExifOrientation.tiff(fromExif: body.prefix(length))) {
                    let tiff = ExifOrientation.tiff(orientation: orientation)
                    try writer?.write(Data("EXIF".utf8) + littleEndianBytes(tiff.count, count: 4) + tiff)
                    if let offset = extendedHeaderOffset {
                        extendedFlags |= 0x08
                        try writer?.patch(Data([extendedFlags]), at: UInt64(offset + 8))
                    }
                }
            case "XMP ":
                try reader.copy(padded, to: nil)
            case "VP8 ", "VP8L":
                let body = try reader.read(padded)
                if size == nil { size = try frameSize(fourCC, body) }
                try writer?.write(chunkHeader + body)
            default:
                try writer?.write(chunkHeader)
                try reader.copy(padded, to: writer)
            }
        }
        if let writer { try writer.patch(littleEndianBytes(writer.count - 8, count: 4), at: 4) }
        guard let size else { throw ImageFormatError.malformed("no VP8X, VP8 or VP8L chunk") }
        return size
    }

    static func frameSize(_ fourCC: String, _ body: Data) throws -> ImageSize {
        let bytes = [UInt8](body)
        if fourCC == "VP8 " {
            guard bytes.count >= 10, bytes[3...5] == [0x9D, 0x01, 0x2A] else { throw ImageFormatError.malformed("VP8 frame") }
            return ImageSize(width: (Int(bytes[6]) | Int(bytes[7]) << 8) & 0x3FFF, height: (Int(bytes[8]) | Int(bytes[9]) << 8) & 0x3FFF)
        }
        guard bytes.count >= 5, bytes[0] == 0x2F else { throw ImageFormatError.malformed("VP8L signature") }
        let bits = Int(bytes[1]) | Int(bytes[2]) << 8 | Int(bytes[3]) << 16 | Int(bytes[4]) << 24
        return ImageSize(width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
    }
}

private enum GIF {
    static func process(_ reader: FileReader, _ writer: FileWriter?) throws -> ImageSize {
        let header = try reader.read(10)
        try writer?.write(header)
        try reader.copyToEnd(to: writer)
        return ImageSize(width: littleEndian(header.subdata(in: 6..<8)), height: littleEndian(header.subdata(in: 8..<10)))
    }
}

/// CRC-32 (ISO 3309, as PNG uses it) for the chunks the stripper writes.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { value, _ in value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    }

    /// The checksum of `data`.
    static func checksum(_ data: Data) -> UInt32 {
        ~data.reduce(~UInt32(0)) { table[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}
