import Foundation

/// The one metadata tag the plugin keeps: EXIF Orientation (tag 0x0112), so photos taken sideways
/// stay upright once everything else (GPS, camera, dates, thumbnails) is stripped.
enum ExifOrientation {
    /// The Orientation value (1…8) of a TIFF structure (the body of an EXIF block, after any
    /// `Exif\0\0` prefix), or `nil` when it has none or cannot be read.
    static func read(fromTIFF tiff: Data) -> UInt16? {
        let bytes = [UInt8](tiff)
        guard bytes.count >= 8 else { return nil }
        let bigEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0x4D, 0x4D): bigEndian = true
        case (0x49, 0x49): bigEndian = false
        default: return nil
        }
        func integer(at offset: Int, size: Int) -> Int? {
            guard offset >= 0, offset + size <= bytes.count else { return nil }
            let slice = bytes[offset..<offset + size]
            return (bigEndian ? Array(slice) : slice.reversed()).reduce(0) { $0 << 8 | Int($1) }
        }
        guard let directory = integer(at: 4, size: 4), let entries = integer(at: directory, size: 2) else { return nil }
        for index in 0..<entries {
            let entry = directory + 2 + index * 12
            guard let tag = integer(at: entry, size: 2) else { return nil }
            if tag == 0x0112, integer(at: entry + 2, size: 2) == 3, let value = integer(at: entry + 8, size: 2), (1...8).contains(value) {
                return UInt16(value)
            }
        }
        return nil
    }

    /// The body of an EXIF block with `Exif\0\0` removed when present.
    static func tiff(fromExif block: Data) -> Data {
        let prefix = Data("Exif\0\0".utf8)
        return block.starts(with: prefix) ? Data(block.dropFirst(prefix.count)) : block
    }

    /// A minimal big-endian TIFF structure holding only `orientation`.
    static func tiff(orientation: UInt16) -> Data {
        var tiff = Data("MM".utf8) + Data([0x00, 0x2A, 0, 0, 0, 8])     // byte order, magic, IFD0 at 8
        tiff += Data([0, 1])                                                  // one entry
        tiff += Data([0x01, 0x12, 0, 3, 0, 0, 0, 1])                          // Orientation, SHORT, count 1
        tiff += Data([UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0, 0])
        tiff += Data([0, 0, 0, 0])                                            // no next IFD
        return tiff
    }
}
